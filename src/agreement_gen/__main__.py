from agreement_gen.cli import main

main()
