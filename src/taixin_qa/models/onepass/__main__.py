from taixin_qa.models.onepass import main

raise SystemExit(main())
