// Composition root: parses the command line and runs one command. Filled in by the CLI work (issue 2).
return 0;
