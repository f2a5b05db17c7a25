// The reference panel (issue 4).
var app = WebApplication.CreateSlimBuilder(args).Build();
app.Run();
