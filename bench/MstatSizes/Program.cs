using Mono.Cecil;
using Mono.Cecil.Cil;
using Mono.Cecil.Rocks;

// Usage: mstat-sizes FILE.mstat [top=40] [filter]
//   Prints the bytes of code + type data by assembly, namespace and type (generic instantiations grouped under
//   their definition), the largest blobs, and, with a filter, every method whose full name contains it.
// The .mstat is an IL assembly whose <Module> methods list (token, size, ...) tuples; the layout follows the
// one ILC documents for its version (1.x: 2/4-instruction entries, 2.x: one extra node-id operand).
if (args.Length == 0)
{
    Console.Error.WriteLine("usage: mstat-sizes FILE.mstat [top] [filter]");
    return 2;
}
var top = args.Length > 1 ? int.Parse(args[1]) : 40;
var filter = args.Length > 2 ? args[2] : null;

var asm = AssemblyDefinition.ReadAssembly(args[0]);
var global = (TypeDefinition)asm.MainModule.LookupToken(0x02000001);
var major = asm.Name.Version.Major;
var entries = new List<(string Assembly, string Namespace, string Type, string Member, long Size)>();

var types = Body(global, "Types");
for (int i = 0, step = major == 1 ? 2 : 3; i + 1 < types.Count; i += step)
{
    var t = (TypeReference)types[i].Operand;
    Add(t, "(type data)", (int)types[i + 1].Operand);
}

var methods = Body(global, "Methods");
for (int i = 0, step = major == 1 ? 4 : 5; i + 3 < methods.Count; i += step)
{
    var m = (MethodReference)methods[i].Operand;
    var size = (int)methods[i + 1].Operand + (int)methods[i + 2].Operand + (int)methods[i + 3].Operand;
    Add(m.DeclaringType, m.FullName, size);
}

var blobs = new List<(string Name, long Size)>();
var blobIl = Body(global, "Blobs");
for (int i = 0; i + 1 < blobIl.Count; i += 2)
{
    blobs.Add(((string)blobIl[i].Operand, (int)blobIl[i + 1].Operand));
}
if (global.Methods.Any(m => m.Name == "RvaFields"))
{
    // Static data (u8 literals, lookup tables): field, size, node id.
    var rva = Body(global, "RvaFields");
    for (int i = 0; i + 1 < rva.Count; i += 3)
    {
        var f = (FieldReference)rva[i].Operand;
        Add(f.DeclaringType, "(static data) " + f.Name, (int)rva[i + 1].Operand);
    }
}
if (global.Methods.Any(m => m.Name == "FrozenObjects"))
{
    // Preinitialised objects, mostly string literals: type, size, ...; summed per type into one blob line.
    var frozen = Body(global, "FrozenObjects");
    var byType = new Dictionary<string, long>();
    for (int i = 0; i + 1 < frozen.Count; i += 4)
    {
        var name = "frozen " + ((TypeReference)frozen[i].Operand).FullName;
        byType[name] = byType.GetValueOrDefault(name) + (int)frozen[i + 1].Operand;
    }
    blobs.AddRange(byType.Select(kv => (kv.Key, kv.Value)));
}

long total = entries.Sum(e => e.Size) + blobs.Sum(b => b.Size);
Console.WriteLine($"mstat: {entries.Sum(e => e.Size):N0} bytes of code and type data, {blobs.Sum(b => b.Size):N0} bytes of blobs, {total:N0} total");
Print("by assembly", entries.GroupBy(e => e.Assembly));
Print("by namespace", entries.GroupBy(e => e.Namespace));
Print("by type (generic definitions; instantiations summed)", entries.GroupBy(e => e.Type));
Console.WriteLine($"\n== largest blobs");
foreach (var b in blobs.OrderByDescending(b => b.Size).Take(top))
{
    Console.WriteLine($"{b.Size,10:N0}  {b.Name}");
}
if (filter is not null)
{
    Console.WriteLine($"\n== members containing '{filter}'");
    foreach (var e in entries.Where(e => e.Member.Contains(filter, StringComparison.Ordinal) || e.Type.Contains(filter, StringComparison.Ordinal))
                 .OrderByDescending(e => e.Size).Take(top * 5))
    {
        Console.WriteLine($"{e.Size,10:N0}  {e.Member} [{e.Type}]");
    }
}
return 0;

void Print(string title, IEnumerable<IGrouping<string, (string Assembly, string Namespace, string Type, string Member, long Size)>> groups)
{
    Console.WriteLine($"\n== {title}");
    foreach (var g in groups.Select(g => (g.Key, Size: g.Sum(e => e.Size), Count: g.Count())).OrderByDescending(g => g.Size).Take(top))
    {
        Console.WriteLine($"{g.Size,10:N0}  {100.0 * g.Size / total,5:F1}%  {g.Count,6}  {g.Key}");
    }
}

void Add(TypeReference type, string member, long size)
{
    var element = type;
    while (element is TypeSpecification { ElementType: not null } spec)
    {
        element = spec.ElementType;
    }
    var outer = element;
    while (outer.DeclaringType is not null)
    {
        outer = outer.DeclaringType;
    }
    var scope = element.Scope switch
    {
        AssemblyNameReference a => a.Name,
        ModuleDefinition m => m.Assembly.Name.Name,
        var s => s?.Name ?? "?",
    };
    var ns = string.IsNullOrEmpty(outer.Namespace) ? "(global)" : outer.Namespace;
    entries.Add((scope, $"{scope}: {ns}", element.FullName ?? "?", member, size));
}

static Mono.Collections.Generic.Collection<Instruction> Body(TypeDefinition global, string name)
{
    var method = global.Methods.First(m => m.Name == name);
    method.Body.SimplifyMacros();
    return method.Body.Instructions;
}
