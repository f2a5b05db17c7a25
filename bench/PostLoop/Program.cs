using System.Net.Http.Headers;
using System.Text;

// post-loop URL SERVER_ID: POSTs a minimal valid heartbeat to URL every 5 s until killed. AGENT_TOKEN from the
// environment. What every HTTP agent pays: runtime, HttpClient, TLS when URL is https.
var url = new Uri(args[0]);
var serverId = args[1];
var token = Environment.GetEnvironmentVariable("AGENT_TOKEN") ?? "";
using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });
for (var seq = 1L; ; seq++)
{
    var now = DateTime.UtcNow;
    var body = "{\"server_id\":\"" + serverId + "\",\"timestamp\":\"" + now.ToString("yyyy-MM-ddTHH:mm:ssZ") +
        "\",\"metrics\":{\"cpu_percent\":1,\"ram_used_mb\":1,\"ram_total_mb\":2,\"disk_used_gb\":1,\"disk_total_gb\":2," +
        "\"load_average\":[0,0,0],\"network_in_bytes\":0,\"network_out_bytes\":0},\"containers\":[],\"agent_version\":\"post-loop\"," +
        "\"heartbeat_id\":\"" + Guid.NewGuid().ToString("N") + "\",\"seq\":" + seq + "}";
    using var request = new HttpRequestMessage(HttpMethod.Post, url);
    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
    request.Content = new StringContent(body, Encoding.UTF8, "application/json");
    try
    {
        using var response = await http.SendAsync(request);
        Console.WriteLine($"{now:HH:mm:ss} {(int)response.StatusCode}");
    }
    catch (HttpRequestException e)
    {
        Console.WriteLine($"{now:HH:mm:ss} {e.Message}");
    }

    await Task.Delay(TimeSpan.FromSeconds(5));
}
