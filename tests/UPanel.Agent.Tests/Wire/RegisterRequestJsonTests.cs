using System.Text;
using System.Text.Json;
using UPanel.Agent.Wire;
using UPanel.Contracts;

namespace UPanel.Agent.Tests.Wire;

public sealed class RegisterRequestJsonTests
{
    [Fact]
    public void A_typical_request_is_written_as_the_contract_shows()
    {
        var request = new RegisterRequest
        {
            Hostname = "web-1", OsVersion = "Debian GNU/Linux 12 (bookworm)", CpuCores = 2, RamMb = 3915, DiskGb = 19,
            AgentVersion = "1.0.0", MachineId = "0123456789abcdef0123456789abcdef",
        };

        Assert.Equal(
            """{"hostname":"web-1","os_version":"Debian GNU/Linux 12 (bookworm)","cpu_cores":2,"ram_mb":3915,"disk_gb":19,"agent_version":"1.0.0","machine_id":"0123456789abcdef0123456789abcdef"}""",
            Encoding.UTF8.GetString(RegisterRequestJson.ToUtf8Bytes(request)));
    }

    [Fact]
    public void Every_sample_is_byte_identical_to_the_context()
    {
        var random = new Random(11);
        for (var i = 0; i < 200; i++)
        {
            var request = new RegisterRequest
            {
                Hostname = WireSamples.Pick(random, WireSamples.Texts),
                OsVersion = WireSamples.Pick(random, WireSamples.Texts),
                CpuCores = WireSamples.Pick(random, new[] { 0, 1, 64, int.MaxValue, int.MinValue }),
                RamMb = WireSamples.Pick(random, WireSamples.Longs),
                DiskGb = WireSamples.Pick(random, WireSamples.Longs),
                AgentVersion = WireSamples.Pick(random, WireSamples.Texts),
                MachineId = random.Next(3) == 0 ? null : WireSamples.Pick(random, WireSamples.Texts),
            };

            Assert.Equal(
                Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(request, ContractsJsonContext.Default.RegisterRequest)),
                Encoding.UTF8.GetString(RegisterRequestJson.ToUtf8Bytes(request)));
        }
    }
}
