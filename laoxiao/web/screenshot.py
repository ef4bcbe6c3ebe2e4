"""Screenshots of the running platform for the README: ``python -m laoxiao.web.screenshot OUT.png``.

Signs in as the demo city administrator on a running server (``make run``) and photographs the
home page and the region tree. Options: ``--url``, ``--user``, ``--password``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from laoxiao.web.browser import browser_page


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--user", default="admin")
    parser.add_argument("--password", default="laoxiao-demo")
    parser.add_argument("--path", default="/", help="page to photograph after signing in")
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with browser_page() as page:
        page.goto(f"{args.url}/login/")
        page.fill("input[name=username]", args.user)
        page.fill("input[name=password]", args.password)
        page.click("#sign-in")
        page.wait_for_url(f"{args.url}/")
        if args.path != "/":
            page.goto(f"{args.url}{args.path}")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(args.out), full_page=False)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
