//! A campaign's deliveries run through the real dispatcher with a transport that accepts
//! every message and keeps it, so a test sees exactly what would have gone out.
use loyalty_domain::Ctx;
use loyalty_domain::campaigns::dispatch::{DispatchConfig, Dispatcher};
use loyalty_domain::messaging::channel::{OpenFuture, Opened, SendFuture, Sender};
use loyalty_domain::messaging::{Channel, ChannelKind, Channels, Outbound, SendOutcome};
use std::sync::{Arc, Mutex};

/// A transport for one channel that accepts every message and keeps it.
#[derive(Clone)]
pub struct Recorder {
    kind: ChannelKind,
    sent: Arc<Mutex<Vec<Outbound>>>,
}

impl Recorder {
    /// A recorder standing in for `kind`'s provider.
    pub fn new(kind: ChannelKind) -> Self {
        Self {
            kind,
            sent: Arc::default(),
        }
    }

    /// What went out since the last call.
    pub fn take(&self) -> Vec<Outbound> {
        self.sent
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default()
    }
}

impl Channel for Recorder {
    fn kind(&self) -> ChannelKind {
        self.kind
    }

    /// Every shop sends through the same recorder.
    fn open<'a>(&'a self, _: &'a Ctx, _: uuid::Uuid) -> OpenFuture<'a> {
        let sender: Arc<dyn Sender> = Arc::new(self.clone());
        Box::pin(async move { Ok(Opened::Ready(sender)) })
    }
}

impl Sender for Recorder {
    fn send<'a>(&'a self, message: &'a Outbound) -> SendFuture<'a> {
        Box::pin(async move {
            if let Ok(mut sent) = self.sent.lock() {
                sent.push(message.clone());
            }
            SendOutcome::Sent {
                provider_id: None,
                quota_left: None,
            }
        })
    }
}

/// The real dispatcher over a [`Recorder`], driven round by round by the test.
pub struct RecordingDispatcher {
    dispatcher: Dispatcher,
    recorder: Recorder,
}

impl RecordingDispatcher {
    /// A dispatcher for `app`'s database sending `kind` messages into a recorder.
    pub fn new(app: &crate::TestApp, kind: ChannelKind) -> Self {
        let recorder = Recorder::new(kind);
        let mut channels = Channels::new();
        channels.register(Arc::new(recorder.clone()));
        let config = DispatchConfig {
            // The test's clock stands still: one rate window holds every message.
            rate_per_second: 100_000,
            public_url: app.url.clone(),
            ..DispatchConfig::default()
        };
        Self {
            dispatcher: Dispatcher::new(app.ctx.clone(), channels, config),
            recorder,
        }
    }

    /// Runs rounds until nothing more happens; returns what went out.
    pub async fn drain(&self) -> Vec<Outbound> {
        for _ in 0..20 {
            let r = self
                .dispatcher
                .round()
                .await
                .unwrap_or_else(|e| panic!("round: {e}"));
            if r.claimed == 0 && r.started == 0 && r.completed == 0 {
                break;
            }
        }
        self.recorder.take()
    }
}
