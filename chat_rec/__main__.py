from chat_rec.cli import main

main()
