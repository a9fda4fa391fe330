import RapportApp

await RapportCommand.runFromCommandLine()
