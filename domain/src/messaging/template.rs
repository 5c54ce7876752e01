//! Message templates: Jinja syntax (`Xin chào {{ name }}`) over a member's fields.
//! Unknown names are errors, caught when the campaign is saved rather than when a
//! thousand messages go out with a blank where the name should be.
//!
//! Templates are written by merchants, so a render is bounded like untrusted code: the
//! source has at most [`MAX_SOURCE_BYTES`], one render at most [`FUEL`] units of work
//! (minijinja's fuel: instructions and the data they make), the output at most
//! [`MAX_OUTPUT_BYTES`]; and renders run on a few blocking threads ([`off_thread`]),
//! never on the async workers that answer every shop's requests.
use crate::{DomainError, Result};
use minijinja::{AutoEscape, Environment, ErrorKind, UndefinedBehavior};
use serde::Serialize;
use std::io;
use std::sync::{Arc, LazyLock};
use tokio::sync::Semaphore;

/// The fields a template may use.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Vars {
    /// The member's full name (empty when unknown).
    pub name: String,
    /// Phone in international form, without `+`.
    pub phone: String,
    /// E-mail.
    pub email: String,
    /// Current tier's name.
    pub tier: String,
    /// Available reward points, as last cached.
    pub points: i64,
    /// The voucher code issued with this message (empty without an offer).
    pub voucher_code: String,
    /// The voucher's last day, `YYYY-MM-DD` (empty when it does not expire).
    pub voucher_expires: String,
    /// The shop's name.
    pub shop: String,
    /// Points of the lot a `POINTS_EXPIRING` journey reminds of (0 elsewhere).
    pub expiring_points: i64,
    /// The last day those points can be used, `YYYY-MM-DD` in the shop's zone (empty
    /// elsewhere).
    pub expiring_date: String,
}

impl Vars {
    /// Values that exercise every field, for checking a template when it is saved.
    pub fn sample() -> Self {
        Self {
            name: "Nguyễn Văn An".into(),
            phone: "84912345678".into(),
            email: "an@example.com".into(),
            tier: "Gold".into(),
            points: 1200,
            voucher_code: "ABCD2345EFGH".into(),
            voucher_expires: "2026-12-31".into(),
            shop: "Cửa hàng An".into(),
            expiring_points: 500,
            expiring_date: "2026-12-31".into(),
        }
    }
}

/// Largest template source, bytes: a 20,000-character e-mail body even in 4-byte
/// characters, and a bound on what the parser reads for any caller.
pub const MAX_SOURCE_BYTES: usize = 80_000;

/// Largest filled-in text, bytes. A template's own text plus member fields stays far
/// below it; loops that repeat text do not.
pub const MAX_OUTPUT_BYTES: usize = 128 * 1024;

/// The work one render may do, in minijinja fuel: about one unit per instruction and
/// per 64 bytes of data made. Filling in fields costs tens; a 20,000-character body a
/// few hundred; nested loops run out within milliseconds instead of running for hours.
pub const FUEL: u64 = 50_000;

static ENVIRONMENT: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_fuel(Some(FUEL));
    env
});

/// The same environment escaping every value for HTML (minijinja's autoescape): an
/// e-mail's HTML part shows a member's `<b>` as text, never as markup.
static HTML_ENVIRONMENT: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_fuel(Some(FUEL));
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    env
});

/// Collects the output, refusing to grow past its cap (the render then stops at once).
struct Capped {
    out: Vec<u8>,
    over: bool,
}

impl io::Write for Capped {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.out.len() + buf.len() > MAX_OUTPUT_BYTES {
            self.over = true;
            return Err(io::Error::other("output too long"));
        }
        self.out.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn describe(e: &minijinja::Error) -> String {
    match (e.kind(), e.detail()) {
        (ErrorKind::OutOfFuel, _) => format!(
            "the template does more work than one message may ({FUEL} steps); \
             loops over large ranges are not allowed"
        ),
        (kind, Some(detail)) => format!("{kind}: {detail}"),
        (kind, None) => kind.to_string(),
    }
}

/// Renders `source` with `vars` within the limits above; the error is in words for the
/// merchant. CPU-bound for up to [`FUEL`] steps: call it through [`off_thread`] from
/// async code.
pub fn render(source: &str, vars: &Vars) -> Result<String, String> {
    render_in(&ENVIRONMENT, source, vars)
}

/// [`render`] for HTML: member fields are escaped.
pub fn render_html(source: &str, vars: &Vars) -> Result<String, String> {
    render_in(&HTML_ENVIRONMENT, source, vars)
}

fn render_in(env: &Environment<'static>, source: &str, vars: &Vars) -> Result<String, String> {
    if source.len() > MAX_SOURCE_BYTES {
        return Err(format!("a template has at most {MAX_SOURCE_BYTES} bytes"));
    }
    let template = env.template_from_str(source).map_err(|e| describe(&e))?;
    let mut out = Capped {
        out: Vec::new(),
        over: false,
    };
    if let Err(e) = template.render_captured_to(minijinja::value::Serde(vars), &mut out) {
        return Err(if out.over {
            format!("a filled-in message has at most {MAX_OUTPUT_BYTES} bytes")
        } else {
            describe(&e)
        });
    }
    // minijinja writes whole strings, and a refused write keeps none of its bytes.
    String::from_utf8(out.out).map_err(|_| "the template made invalid text".to_owned())
}

/// Threads that may render at once: the machine's cores. Renders beyond them wait for a
/// turn, so a flood of saves or sends cannot take every blocking thread of the process.
fn render_threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

static RENDER_TURNS: LazyLock<Arc<Semaphore>> =
    LazyLock::new(|| Arc::new(Semaphore::new(render_threads())));

/// Runs template work (`render`, content checks) on tokio's blocking threads, at most
/// one per core at once, and waits for it without holding an async worker.
pub async fn off_thread<T, F>(work: F) -> Result<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let turn = RENDER_TURNS
        .clone()
        .acquire_owned()
        .await
        .map_err(|_| DomainError::Internal("the render pool is closed".into()))?;
    // The turn moves into the task: a caller that stops waiting (a request timed out)
    // does not free it before the render ends.
    tokio::task::spawn_blocking(move || {
        let _turn = turn;
        work()
    })
    .await
    .map_err(|e| DomainError::Internal(format!("a template render failed: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_member_fields() {
        let out = render("Chào {{ name }}, mã {{ voucher_code }}", &Vars::sample());
        assert_eq!(out.as_deref(), Ok("Chào Nguyễn Văn An, mã ABCD2345EFGH"));
    }

    #[test]
    fn html_escapes_member_fields_but_not_the_template() {
        let vars = Vars {
            name: "<script>x</script> & co".into(),
            ..Vars::sample()
        };
        let out = render_html("<b>{{ name }}</b>", &vars);
        assert_eq!(
            out.as_deref(),
            Ok("<b>&lt;script&gt;x&lt;&#x2f;script&gt; &amp; co</b>")
        );
    }

    #[test]
    fn refuses_unknown_fields_and_bad_syntax() {
        assert!(render("{{ nmae }}", &Vars::sample()).is_err());
        assert!(render("{{ name ", &Vars::sample()).is_err());
    }
    #[test]
    fn nested_loops_run_out_of_fuel() {
        // Writes nothing: the output cap cannot stop it, only fuel.
        let source = "{% for i in range(100000) %}{% for j in range(100000) %}\
                      {% if j == i %}{% endif %}{% endfor %}{% endfor %}";
        let e = render(source, &Vars::sample()).err().unwrap_or_default();
        assert!(e.contains("more work than one message may"), "{e}");
    }

    #[test]
    fn huge_sources_and_outputs_are_refused() {
        let source = "x".repeat(MAX_SOURCE_BYTES + 1);
        let e = render(&source, &Vars::sample()).err().unwrap_or_default();
        assert!(e.contains("at most 80000 bytes"), "{e}");
        let e = render("{{ 'x' * 200000 }}", &Vars::sample())
            .err()
            .unwrap_or_default();
        assert!(e.contains("filled-in message has at most"), "{e}");
        let e = render(
            "{% for i in range(100000) %}{{ name }}{% endfor %}",
            &Vars::sample(),
        )
        .err()
        .unwrap_or_default();
        assert!(!e.is_empty());
    }

    #[test]
    fn a_long_ordinary_body_fits_the_limits() {
        let body = format!(
            "{}{{{{ name }}}} {{{{ points }}}}",
            "Tết đến rồi. ".repeat(1500)
        );
        let out = render(&body, &Vars::sample()).unwrap_or_default();
        assert!(out.ends_with("Nguyễn Văn An 1200"), "{out}");
    }

    #[tokio::test]
    async fn renders_off_the_async_threads() {
        let out = off_thread(|| render("{{ shop }}", &Vars::sample())).await;
        assert_eq!(
            out.ok().and_then(|r| r.ok()).as_deref(),
            Some("Cửa hàng An")
        );
    }
}
