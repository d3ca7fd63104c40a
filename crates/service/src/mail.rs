//! Outgoing mail: invitations and password reset links, over SMTP with `lettre` (tokio,
//! rustls). Configured by one URL (`NEWLEDGER_SMTP_URL`: `smtp://host:25`, `smtp://user:pass@host:587?tls=required`
//! for STARTTLS, `smtps://user:pass@host:465` for TLS from the start) and a From address.
//!
//! Without a URL mail is *off*: the embedded default needs no mail server. Then an invitation's
//! link is shown once to the person who invited, and a password reset cannot be mailed (the
//! server log says so). Every send is bounded in time; a failure is logged and reported to the
//! caller as [`MailError`], never turned into a server error for the person on the page.

use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::sync::Arc;
use std::time::Duration;

/// How long one message may take, connection included.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// One plain-text message.
#[derive(Clone, Debug)]
pub struct Mail {
    /// Recipient address.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Body (plain text).
    pub text: String,
}

/// Why a message was not sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// No SMTP server is configured.
    #[error("this server does not send e-mail (mail is not set up)")]
    Off,
    /// The message could not be built (a bad address).
    #[error("the message could not be built: {0}")]
    Message(String),
    /// The SMTP server refused or did not answer in time.
    #[error("the mail server did not accept the message: {0}")]
    Delivery(String),
}

/// A bad mail configuration (refused at start).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct MailConfigError(String);

struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    timeout: Duration,
}

/// The mail component held by the services.
#[derive(Default)]
pub struct Mailer {
    smtp: Option<Smtp>,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the URL: it may carry credentials.
        f.write_str(if self.is_on() {
            "Mailer(smtp)"
        } else {
            "Mailer(off)"
        })
    }
}

/// The From address used when none is configured: `NewLedger <no-reply@HOST>` with the public
/// URL's host name (`localhost` for an address or a bare name, which mail servers refuse).
pub fn default_from(base_url: &str) -> String {
    let host = url::Url::parse(base_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .filter(|h| h.contains('.') && h.parse::<std::net::IpAddr>().is_err())
        .unwrap_or_else(|| "localhost".into());
    format!("NewLedger <no-reply@{host}>")
}

impl Mailer {
    /// Mail off.
    pub fn off() -> Self {
        Self { smtp: None }
    }

    /// SMTP at `url` sending as `from` (`Name <address>` or an address). Call it inside the
    /// tokio runtime: the transport's connection pool lives there.
    pub fn smtp(url: &str, from: &str) -> Result<Self, MailConfigError> {
        Self::smtp_with_timeout(url, from, SEND_TIMEOUT)
    }

    /// [`Mailer::smtp`] with another send timeout (tests).
    pub fn smtp_with_timeout(
        url: &str,
        from: &str,
        timeout: Duration,
    ) -> Result<Self, MailConfigError> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| MailConfigError(format!("the From address {from:?} is not valid: {e}")))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| {
                MailConfigError(format!(
                    "NEWLEDGER_SMTP_URL must look like smtp://host:25, smtp://user:password@host:587?tls=required or smtps://user:password@host:465 ({e})"
                ))
            })?
            .timeout(Some(timeout))
            .build();
        Ok(Self {
            smtp: Some(Smtp {
                transport,
                from,
                timeout,
            }),
        })
    }

    /// True when an SMTP server is configured.
    pub fn is_on(&self) -> bool {
        self.smtp.is_some()
    }

    /// Sends one message, waiting at most the send timeout.
    pub async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        let Some(smtp) = &self.smtp else {
            return Err(MailError::Off);
        };
        let to: Mailbox = mail
            .to
            .parse()
            .map_err(|e| MailError::Message(format!("recipient: {e}")))?;
        let message = Message::builder()
            .from(smtp.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(mail.text.clone())
            .map_err(|e| MailError::Message(e.to_string()))?;
        match tokio::time::timeout(smtp.timeout, smtp.transport.send(message)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(MailError::Delivery(e.to_string())),
            Err(_) => Err(MailError::Delivery(format!(
                "no answer within {} s",
                smtp.timeout.as_secs()
            ))),
        }
    }

    /// Sends in the background, so that the answer to the request neither waits for the mail
    /// server nor takes longer when a message goes out (a password reset for an address with an
    /// account must look like one without). Failures go to the server log.
    pub fn send_later(self: &Arc<Self>, mail: Mail, what: &'static str) {
        let me = self.clone();
        tokio::spawn(async move {
            match me.send(&mail).await {
                Ok(()) => tracing::info!(what, "mail sent"),
                Err(MailError::Off) => {
                    tracing::warn!(
                        what,
                        "mail is off (no NEWLEDGER_SMTP_URL): message not sent"
                    );
                }
                Err(e) => tracing::warn!(what, error = %e, "mail not sent"),
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The transport's connection pool runs on the tokio runtime: built inside one, as in `serve`.
    #[tokio::test]
    async fn configuration_is_checked_and_never_printed() {
        assert!(Mailer::smtp("smtp://127.0.0.1:2525", "NewLedger <a@example.com>").is_ok());
        assert!(Mailer::smtp("smtps://u:p@mail.example.com", "a@example.com").is_ok());
        assert!(Mailer::smtp("http://mail.example.com", "a@example.com").is_err());
        assert!(Mailer::smtp("smtp://127.0.0.1:2525", "not an address").is_err());
        let m = Mailer::smtp("smtp://user:secret@127.0.0.1:2525", "a@example.com");
        assert!(!format!("{m:?}").contains("secret"));
        assert_eq!(
            default_from("https://books.example.com"),
            "NewLedger <no-reply@books.example.com>"
        );
        assert_eq!(
            default_from("http://127.0.0.1:8080"),
            "NewLedger <no-reply@localhost>"
        );
        assert!(!Mailer::off().is_on());
    }
}
