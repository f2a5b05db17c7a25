-- E-mail channels: the relay, sender, recipients, username and CA file as JSON (Alerts/EmailSettings.cs); null for the
-- channels that post to a URL. The SMTP password is not here: it is the panel's UPANEL_SMTP_PASSWORD(_FILE).
ALTER TABLE alert_channels ADD COLUMN email TEXT;
