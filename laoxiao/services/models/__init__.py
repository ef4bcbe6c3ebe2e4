"""The services models, one topic per module; imported here so Django finds them."""

from laoxiao.services.models.alarms import Alarm, Device, DeviceEvent, DeviceVendor
from laoxiao.services.models.beds import CareBedContract, CareBedMonth, HomeAdaptation, RespiteBooking
from laoxiao.services.models.childcare import ChildcareBooking, ChildcareSlot
from laoxiao.services.models.claims import Callback, ClaimLine, ServiceClaim
from laoxiao.services.models.entitlements import Entitlement
from laoxiao.services.models.meals import Diner, MealRecord, MealSettlement
from laoxiao.services.models.orders import CarePlan, ServiceOrder
from laoxiao.services.models.visits import ServiceVisit

__all__ = [
    "Alarm",
    "Callback",
    "CareBedContract",
    "CareBedMonth",
    "CarePlan",
    "ChildcareBooking",
    "ChildcareSlot",
    "ClaimLine",
    "Device",
    "DeviceEvent",
    "DeviceVendor",
    "Diner",
    "Entitlement",
    "HomeAdaptation",
    "MealRecord",
    "MealSettlement",
    "RespiteBooking",
    "ServiceClaim",
    "ServiceOrder",
    "ServiceVisit",
]
