//! Logos of OAuth apps registered by a company, shown on the consent page. A logo is fetched
//! once, at registration, within the same fences as client metadata documents (HTTPS, public
//! addresses, no redirects, size and time limits), then decoded and re-encoded as a small PNG:
//! what a person's browser loads is an image NewLedger made and serves from its own origin, so
//! a logo can neither track who looks at the consent page nor smuggle markup (no SVG) or a
//! polyglot file. Clients that registered themselves (dynamic registration, metadata
//! documents) show no logo: an unverified client must not borrow a familiar brand.

use super::client_document::FetchError;
use crate::{Result, Services};
use newledger_domain::ids::OAuthClientId;
use newledger_store::{OAuthClientKind, OAuthClientRecord};
use std::io::Cursor;

/// Largest logo file fetched.
pub const MAX_LOGO_BYTES: usize = 512 * 1024;
/// Largest width and height of a logo as served (it is scaled down to fit, never up).
pub const LOGO_PIXELS: u32 = 128;
/// Largest width and height of a logo file NewLedger decodes.
pub const MAX_SOURCE_PIXELS: u32 = 4096;
/// Memory a decode may use.
const MAX_DECODE_BYTES: u64 = 64 * 1024 * 1024;

/// Why a logo cannot be used; shown to the person registering the app.
#[derive(Debug, thiserror::Error)]
pub enum LogoError {
    /// Not an `https://` URL (or `http://` in development mode), too long, or with userinfo.
    #[error(
        "the logo URL must be an https:// URL of at most {} characters, without user name or password",
        super::clients::MAX_URL_LEN
    )]
    NotHttps,
    /// The fetch failed.
    #[error("the logo could not be fetched: {0}")]
    Fetch(#[from] FetchError),
    /// Not a raster image we read, or too large to decode.
    #[error(
        "the logo is not a PNG, JPEG, GIF or WebP image of at most {MAX_SOURCE_PIXELS}×{MAX_SOURCE_PIXELS} pixels ({0})"
    )]
    Unreadable(String),
}

/// Fetches the logo at `raw` and returns it as NewLedger serves it (a PNG of at most
/// [`LOGO_PIXELS`] square).
pub async fn fetch(svc: &Services, raw: &str) -> std::result::Result<Vec<u8>, LogoError> {
    if raw.len() > super::clients::MAX_URL_LEN {
        return Err(LogoError::NotHttps);
    }
    let url = url::Url::parse(raw).map_err(|_| LogoError::NotHttps)?;
    let docs = &svc.client_documents;
    let http_ok = docs.allow_http() && url.scheme() == "http";
    let userinfo = !url.username().is_empty() || url.password().is_some();
    if (url.scheme() != "https" && !http_ok) || userinfo {
        return Err(LogoError::NotHttps);
    }
    let bytes = docs.fetcher().fetch_image(&url, MAX_LOGO_BYTES).await?;
    // Decoding is CPU work: off the request threads.
    tokio::task::spawn_blocking(move || normalise(&bytes))
        .await
        .map_err(|e| LogoError::Unreadable(e.to_string()))?
}

/// Decodes a PNG, JPEG, GIF or WebP file (by its content, whatever it was served as) within
/// bounds and re-encodes it as a PNG that fits in [`LOGO_PIXELS`] square.
pub fn normalise(bytes: &[u8]) -> std::result::Result<Vec<u8>, LogoError> {
    use image::ImageFormat::{Gif, Jpeg, Png, WebP};
    let unreadable = |e: image::ImageError| LogoError::Unreadable(e.to_string());
    let format = image::guess_format(bytes).map_err(unreadable)?;
    if !matches!(format, Png | Jpeg | Gif | WebP) {
        return Err(LogoError::Unreadable(format!("{format:?} is not accepted")));
    }
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SOURCE_PIXELS);
    limits.max_image_height = Some(MAX_SOURCE_PIXELS);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    let mut reader = image::ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits);
    let img = reader.decode().map_err(unreadable)?;
    let (w, h) = (img.width(), img.height());
    let img = if w > LOGO_PIXELS || h > LOGO_PIXELS {
        img.thumbnail(LOGO_PIXELS, LOGO_PIXELS)
    } else {
        img
    };
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), Png)
        .map_err(unreadable)?;
    Ok(out)
}

/// Whether a client has a logo to show: only an app registered by a company with a logo
/// (NewLedger fetched and re-encoded it then); a client that registered itself must not
/// borrow a familiar brand.
pub fn shown_for(c: &OAuthClientRecord) -> bool {
    c.kind == OAuthClientKind::Registered && c.logo_uri.is_some() && c.deleted_at.is_none()
}

/// The logo of a registered, not deleted client (None for every other client).
pub async fn get(svc: &Services, id: &str) -> Result<Option<Vec<u8>>> {
    let Ok(id) = OAuthClientId::parse(id) else {
        return Ok(None);
    };
    let Some(client) = svc.auth_cache.oauth_client(svc, &id).await? else {
        return Ok(None);
    };
    if !shown_for(&client) {
        return Ok(None);
    }
    Ok(svc.store.client_logo(&id).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbaImage::from_pixel(w, h, image::Rgba([200, 30, 30, 255]));
        let mut out = Vec::new();
        image::DynamicImage::ImageRgba8(img)
            .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn large_logos_are_scaled_down_and_small_ones_kept() {
        let out = normalise(&png(600, 300)).unwrap();
        let img = image::load_from_memory(&out).unwrap();
        assert_eq!((img.width(), img.height()), (128, 64));
        let out = normalise(&png(40, 40)).unwrap();
        let img = image::load_from_memory(&out).unwrap();
        assert_eq!((img.width(), img.height()), (40, 40));
    }

    #[test]
    fn markup_and_oversized_images_are_refused() {
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
        assert!(matches!(normalise(svg), Err(LogoError::Unreadable(_))));
        let html = b"<!doctype html><script>alert(1)</script>";
        assert!(matches!(normalise(html), Err(LogoError::Unreadable(_))));
        // A PNG header promising 5000 pixels: refused before anything is allocated for it.
        assert!(matches!(
            normalise(&png(5000, 1)),
            Err(LogoError::Unreadable(_))
        ));
        // A PNG cut short.
        let p = png(64, 64);
        assert!(matches!(
            normalise(&p[..p.len() / 2]),
            Err(LogoError::Unreadable(_))
        ));
    }
}
