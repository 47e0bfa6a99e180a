from samhandling.entry import main

main()
