//! `GET` and `POST /unsubscribe/{token}`: the link under every e-mail and in its
//! `List-Unsubscribe` header. One click opts the member out of the channel and shows a
//! plain confirmation page; a second click shows it again and changes nothing. POST is
//! what mailbox providers send for `List-Unsubscribe-Post: List-Unsubscribe=One-Click`
//! (RFC 8058) and does the same. A token that is not ours gets 400, one whose signature
//! does not match (or whose member is gone) 404, each with a plain page.
use crate::http::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use loyalty_domain::DomainError;
use loyalty_domain::messaging::unsubscribe;

/// Follows an unsubscribe link.
pub async fn follow(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    if unsubscribe::read(&token).is_none() {
        return page(
            StatusCode::BAD_REQUEST,
            "Liên kết không hợp lệ / Invalid link",
            "Liên kết hủy đăng ký này không đúng. This unsubscribe link is not valid.",
        );
    }
    match unsubscribe::follow(&state.ctx, &state.ctx.unsubscribe, &token).await {
        Ok(done) => {
            let (vi, en) = done.channel.spec().described();
            let shop = escape(&done.shop_name);
            page(
                StatusCode::OK,
                "Đã hủy đăng ký / Unsubscribed",
                &format!(
                    "Bạn sẽ không nhận {vi} quảng bá từ {shop} nữa. \
                     You will no longer receive {en} from {shop}."
                ),
            )
        }
        Err(DomainError::NotFound(_)) => page(
            StatusCode::NOT_FOUND,
            "Liên kết không hợp lệ / Invalid link",
            "Liên kết hủy đăng ký này không đúng. This unsubscribe link is not valid.",
        ),
        Err(e) => {
            tracing::error!(error = %e, "unsubscribe failed");
            page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Có lỗi / Error",
                "Vui lòng thử lại sau. Please try again later.",
            )
        }
    }
}

/// A plain HTML page; `body` is already escaped.
fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html>\n<html lang=\"vi\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\"><title>{title}</title></head>\
         <body><h1>{title}</h1><p>{body}</p></body></html>\n"
    );
    (status, Html(html)).into_response()
}

/// The text with HTML's special characters escaped (a shop's name is the merchant's).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shop_name_cannot_write_markup() {
        assert_eq!(
            escape("<b>An & Bình's \"shop\"</b>"),
            "&lt;b&gt;An &amp; Bình&#39;s &quot;shop&quot;&lt;/b&gt;"
        );
    }
}
