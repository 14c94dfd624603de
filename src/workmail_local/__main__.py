from workmail_local.cli import main

raise SystemExit(main())
