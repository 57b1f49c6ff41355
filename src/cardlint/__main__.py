from __future__ import annotations

from cardlint.cli import main

raise SystemExit(main())
