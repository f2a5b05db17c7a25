using System.Text.RegularExpressions;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests;

/// <summary>
/// A path in the repository that the README, docs/, deploy/, the scripts or a comment in the code sends a reader to
/// exists: a newcomer following "why: docs/decisions/..." finds the page.
/// </summary>
public sealed partial class DocumentationPathsTests
{
    [Fact]
    public void Every_repository_path_the_docs_scripts_and_code_comments_name_exists()
    {
        var root = RepositoryRoot.Path;
        string[] sources =
        [
            Path.Combine(root, "README.md"),
            Path.Combine(root, ".ci", "run"),
            .. Directory.EnumerateFiles(Path.Combine(root, "docs"), "*.md", SearchOption.AllDirectories),
            .. Directory.EnumerateFiles(Path.Combine(root, "deploy")),
            .. Directory.EnumerateFiles(Path.Combine(root, "scripts")),
            .. Directory.EnumerateFiles(Path.Combine(root, "bench"), "*.sh"),
            .. Directory.EnumerateFiles(Path.Combine(root, "src"), "*.cs", SearchOption.AllDirectories)
                .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal)),
        ];

        var missing = sources
            .SelectMany(file => RepositoryPath().Matches(File.ReadAllText(file)).Select(m => (File: Path.GetRelativePath(root, file), Named: m.Value)))
            .Where(p => !File.Exists(Path.Combine(root, p.Named)) && !Directory.Exists(Path.Combine(root, p.Named)))
            .Select(p => $"{p.File}: {p.Named}")
            .Distinct();

        Assert.Empty(missing);
    }

    [GeneratedRegex(@"(?<![\w/.-])(?:docs|deploy|scripts|bench)/[A-Za-z0-9_./-]*[A-Za-z0-9_]")]
    private static partial Regex RepositoryPath();
}
