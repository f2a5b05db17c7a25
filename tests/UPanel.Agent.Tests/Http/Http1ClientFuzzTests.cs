using System.Text;
using UPanel.Agent.Http;

namespace UPanel.Agent.Tests.Http;

/// <summary>
/// Seeded random responses over a real 127.0.0.1 socket: well-formed ones (every framing, line ending, chunking and
/// keep-alive choice) must come back exactly as sent; cut-off, mutated or random ones must end in a response or an
/// <see cref="HttpTransportException"/>, promptly, and a cut-off one never as a success.
/// </summary>
public sealed class Http1ClientFuzzTests
{
    private const int Cases = 400;
    private const int MaxBody = 64 * 1024;

    private static readonly int[] Statuses = [200, 201, 202, 206, 400, 401, 404, 409, 429, 500, 502, 503];

    [Fact]
    public async Task Random_responses_parse_exactly_or_fail_with_a_transport_error()
    {
        var random = new Random(20261127);
        var cases = Enumerable.Range(0, Cases).Select(i => FuzzCase.Create(i, random)).ToArray();
        await using var server = new ScriptedServer(async (c, ct) =>
        {
            while (await c.ReadRequestAsync(ct) is { } request)
            {
                var fuzz = cases[int.Parse(request.RequestLine.Split(' ')[1]["/case/".Length..])];
                var pieces = new Random(fuzz.Index);
                for (var at = 0; at < fuzz.Bytes.Length;)
                {
                    // Mostly one write; sometimes the response arrives in random pieces.
                    var length = fuzz.Split ? Math.Min(fuzz.Bytes.Length - at, 1 + pieces.Next(700)) : fuzz.Bytes.Length;
                    await c.Stream.WriteAsync(fuzz.Bytes.AsMemory(at, length), ct);
                    await c.Stream.FlushAsync(ct);
                    at += length;
                }

                if (fuzz.CloseAfter)
                {
                    c.Close();
                    return;
                }
            }
        });

        // Well-formed cases share one client (and its pool); the others each get their own, so a lying server
        // cannot leave bytes behind that a later well-formed case would be judged on.
        using var shared = new Http1Client(new Http1ClientOptions { MaxResponseBodyBytes = MaxBody });
        var failures = new List<string>();
        var outcomes = new Dictionary<string, int>();
        foreach (var fuzz in cases)
        {
            using var own = fuzz.Kind == FuzzKind.Valid ? null : new Http1Client(new Http1ClientOptions { MaxResponseBodyBytes = MaxBody });
            var client = own ?? shared;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            string outcome;
            try
            {
                using var response = await client.SendAsync(HttpRequest.Get(server.Url($"/case/{fuzz.Index}")), timeout.Token);
                var body = await response.ReadBodyAsync(timeout.Token);
                outcome = "response";
                if (fuzz.Kind == FuzzKind.Valid
                    && ((int)response.StatusCode != fuzz.Status || response.Header("X-Case") != fuzz.Index.ToString() || !body.AsSpan().SequenceEqual(fuzz.Body)))
                {
                    failures.Add($"{fuzz}: got {(int)response.StatusCode}, X-Case {response.Header("X-Case")}, {body.Length} body bytes");
                }
                else if (fuzz.Kind == FuzzKind.Truncated)
                {
                    failures.Add($"{fuzz}: a cut-off response came back as a success ({body.Length} body bytes)");
                }
                else if (body.Length > MaxBody)
                {
                    failures.Add($"{fuzz}: {body.Length} body bytes, over the limit");
                }
            }
            catch (HttpTransportException e)
            {
                outcome = "transport error";
                if (fuzz.Kind == FuzzKind.Valid)
                {
                    failures.Add($"{fuzz}: {e.Message}");
                }
            }
            catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
            {
                outcome = "hang";
                failures.Add($"{fuzz}: no outcome within 10 s");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                outcome = e.GetType().Name;
                failures.Add($"{fuzz}: {e.GetType().Name}: {e.Message}");
            }

            var key = $"{fuzz.Kind}: {outcome}";
            outcomes[key] = outcomes.GetValueOrDefault(key) + 1;
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)) + "\n" + string.Join(", ", outcomes.Select(o => $"{o.Key} × {o.Value}")));
        // The corpus really exercises every path (a generator bug could otherwise make the test vacuous).
        Assert.True(outcomes.GetValueOrDefault("Valid: response") >= Cases / 3, string.Join(", ", outcomes));
        Assert.True(outcomes.GetValueOrDefault("Truncated: transport error") >= Cases / 10, string.Join(", ", outcomes));
        Assert.True(outcomes.GetValueOrDefault("Garbage: transport error") >= Cases / 20, string.Join(", ", outcomes));
        Assert.True(outcomes.GetValueOrDefault("Mutated: response") > 0 && outcomes.GetValueOrDefault("Mutated: transport error") > 0, string.Join(", ", outcomes));
    }

    private enum FuzzKind
    {
        Valid,
        Truncated,
        Mutated,
        Garbage,
    }

    private enum Framing
    {
        ContentLength,
        Chunked,
        UntilClose,
    }

    private sealed record FuzzCase(int Index, FuzzKind Kind, Framing Framing, int Status, byte[] Body, byte[] Bytes, bool CloseAfter, bool Split)
    {
        public static FuzzCase Create(int index, Random random)
        {
            var roll = random.Next(100);
            var kind = roll < 50 ? FuzzKind.Valid : roll < 70 ? FuzzKind.Truncated : roll < 90 ? FuzzKind.Mutated : FuzzKind.Garbage;
            var split = random.Next(5) == 0;
            if (kind == FuzzKind.Garbage)
            {
                var garbage = new byte[1 + random.Next(3000)];
                random.NextBytes(garbage);
                return new(index, kind, Framing.UntilClose, 0, [], garbage, true, split);
            }

            var framing = (Framing)random.Next(kind == FuzzKind.Truncated ? 2 : 3);
            var status = Statuses[random.Next(Statuses.Length)];
            var body = new byte[random.Next(4) switch { 0 => 0, 1 => random.Next(1, 100), 2 => random.Next(100, 5000), _ => random.Next(5000, 40000) }];
            random.NextBytes(body);
            var closeAfter = framing == Framing.UntilClose || kind != FuzzKind.Valid || random.Next(5) == 0;
            var bytes = Write(index, random, status, body, framing, closeAfter);
            if (kind == FuzzKind.Truncated)
            {
                bytes = bytes[..random.Next(1, bytes.Length)];
            }
            else if (kind == FuzzKind.Mutated)
            {
                var mutated = bytes.ToList();
                for (var n = 1 + random.Next(3); n > 0; n--)
                {
                    var at = random.Next(mutated.Count);
                    switch (random.Next(3))
                    {
                        case 0: mutated[at] = (byte)random.Next(256); break;
                        case 1: mutated.Insert(at, (byte)random.Next(256)); break;
                        default: mutated.RemoveAt(at); break;
                    }
                }

                bytes = [.. mutated];
            }

            return new(index, kind, framing, status, body, bytes, closeAfter, split);
        }

        public override string ToString() => $"case {Index} ({Kind}, {Framing}, {Body.Length} body bytes, {Bytes.Length} sent)";

        private static byte[] Write(int index, Random random, int status, byte[] body, Framing framing, bool closeAfter)
        {
            var eol = random.Next(10) == 0 ? "\n" : "\r\n";
            var head = new StringBuilder($"HTTP/1.{random.Next(2)} {status}{(random.Next(4) == 0 ? "" : " Some Reason")}{eol}");
            head.Append($"X-Case:{(random.Next(2) == 0 ? " " : "")}{index}{eol}");
            for (var n = random.Next(6); n > 0; n--)
            {
                head.Append($"X-Random-{n}: {new string((char)random.Next('!', '~' + 1), random.Next(1, 200))}{eol}");
            }

            head.Append(closeAfter ? $"Connection: close{eol}" : $"Connection: keep-alive{eol}");
            var output = new List<byte>();
            switch (framing)
            {
                case Framing.ContentLength:
                    head.Append($"{(random.Next(2) == 0 ? "Content-Length" : "content-LENGTH")}: {body.Length}{eol}{eol}");
                    output.AddRange(Encoding.ASCII.GetBytes(head.ToString()));
                    output.AddRange(body);
                    break;
                case Framing.Chunked:
                    head.Append($"Transfer-Encoding: chunked{eol}{eol}");
                    output.AddRange(Encoding.ASCII.GetBytes(head.ToString()));
                    for (var at = 0; at < body.Length;)
                    {
                        var size = Math.Min(body.Length - at, 1 + random.Next(random.Next(2) == 0 ? 16 : 9000));
                        var sizeText = random.Next(2) == 0 ? size.ToString("x") : size.ToString("X5");
                        output.AddRange(Encoding.ASCII.GetBytes($"{sizeText}{(random.Next(4) == 0 ? ";ext=\"1\"" : "")}\r\n"));
                        output.AddRange(body.AsSpan(at, size).ToArray());
                        output.AddRange("\r\n"u8.ToArray());
                        at += size;
                    }

                    output.AddRange(Encoding.ASCII.GetBytes(random.Next(3) == 0 ? "0\r\nX-Trailer: t\r\n\r\n" : "0\r\n\r\n"));
                    break;
                default:
                    output.AddRange(Encoding.ASCII.GetBytes(head.Append(eol).ToString()));
                    output.AddRange(body);
                    break;
            }

            return [.. output];
        }
    }
}
