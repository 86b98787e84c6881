from tsqa.cli import main

raise SystemExit(main())
