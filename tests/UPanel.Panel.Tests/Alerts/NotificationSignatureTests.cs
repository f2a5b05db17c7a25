using System.Text;
using UPanel.Panel.Alerts;

namespace UPanel.Panel.Tests.Alerts;

public sealed class NotificationSignatureTests
{
    [Fact]
    public void The_signature_is_the_hmac_of_the_timestamp_a_dot_and_the_body_as_docs_panel_md_gives_it()
    {
        // The vector in docs/panel.md, computed outside .NET: python3 -c "import hmac,hashlib;
        // print(hmac.new(b'channel-secret', b'1700000000.{\"event\":\"alert.firing\"}', hashlib.sha256).hexdigest())"
        var body = Encoding.UTF8.GetBytes("""{"event":"alert.firing"}""");
        Assert.Equal(
            "sha256=798481302961e10235730342bfd3876b3c1cd61612153120a09edcff44a212a8",
            NotificationPayload.Signature("channel-secret", 1700000000, body));

        // Another second is another signature: a request replayed later cannot carry a new timestamp.
        Assert.NotEqual(NotificationPayload.Signature("channel-secret", 1700000000, body), NotificationPayload.Signature("channel-secret", 1700000001, body));
    }
}
