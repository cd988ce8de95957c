from ganbook.cli.main import main

main()
