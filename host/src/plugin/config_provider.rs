//! Config providers written as plugins, behind the host's
//! [`ConfigProvider`] trait.
//!
//! Resolution is synchronous (it happens while a connector is being
//! checked or started) and plugin calls are async, so each provider
//! instance lives on its own thread with its own small runtime and sandbox;
//! `get` sends it a request and waits for the answer. A provider that traps
//! fails the lookups that need it, nothing else.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use super::catalog::{KindClass, PluginCatalog, PluginInfo};
use super::engine::PluginEngine;
use super::sandbox::Sandbox;
use crate::config::connector::grants_for;
use crate::config::providers::{ConfigProvider, ProviderError, ProviderFactory};

type Answer = Result<BTreeMap<String, String>, ProviderError>;

struct Request {
    path: String,
    keys: Vec<String>,
    reply: mpsc::Sender<Answer>,
}

/// A configured config provider plugin.
pub struct PluginConfigProvider {
    plugin: String,
    requests: Mutex<mpsc::Sender<Request>>,
}

impl std::fmt::Debug for PluginConfigProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PluginConfigProvider")
            .field("plugin", &self.plugin)
            .finish_non_exhaustive()
    }
}

impl PluginConfigProvider {
    /// Start `plugin` with `params` (`config.providers.<name>.param.*`,
    /// prefix removed). Its sandbox grants come from its config
    /// definitions, as for any plugin. Errors never quote parameter values.
    pub fn start(
        engine: Arc<PluginEngine>,
        plugin: Arc<PluginInfo>,
        params: Vec<(String, String)>,
        cwd: PathBuf,
    ) -> Result<Self, String> {
        let name = plugin.name().to_owned();
        let (requests, incoming) = mpsc::channel::<Request>();
        let (ready_tx, ready_rx) = mpsc::channel::<Result<(), String>>();
        let thread_name = format!("provider-{name}");
        std::thread::Builder::new()
            .name(thread_name)
            .spawn(move || serve(engine, plugin, params, cwd, incoming, ready_tx))
            .map_err(|e| format!("cannot start a thread for {name}: {e}"))?;
        match ready_rx.recv() {
            Ok(Ok(())) => Ok(Self {
                plugin: name,
                requests: Mutex::new(requests),
            }),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(format!("{name} stopped while starting")),
        }
    }
}

/// The provider's thread: create it, then answer requests until the
/// provider is dropped.
fn serve(
    engine: Arc<PluginEngine>,
    plugin: Arc<PluginInfo>,
    params: Vec<(String, String)>,
    cwd: PathBuf,
    incoming: mpsc::Receiver<Request>,
    ready: mpsc::Sender<Result<(), String>>,
) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            let _ = ready.send(Err(format!("cannot start a runtime: {e}")));
            return;
        }
    };
    runtime.block_on(async move {
        let (config, grants) = grants_for(&plugin.manifest.config, &params, &cwd);
        let mut sandbox = match Sandbox::new(engine, &grants) {
            Ok(s) => s,
            Err(e) => {
                let _ = ready.send(Err(e.to_string()));
                return;
            }
        };
        let handle = match sandbox.create_config_provider(&plugin, &config).await {
            Ok(h) => h,
            Err(e) => {
                let _ = ready.send(Err(e.to_string()));
                return;
            }
        };
        let _ = ready.send(Ok(()));
        while let Ok(request) = incoming.recv() {
            let answer = sandbox
                .provider_get(&handle, &request.path, &request.keys)
                .await
                .map(|values| values.into_iter().collect())
                .map_err(|e| ProviderError::Failed(e.to_string()));
            let _ = request.reply.send(answer);
        }
        sandbox.close_all().await;
    });
}

impl ConfigProvider for PluginConfigProvider {
    fn get(&self, path: &str, keys: &[String]) -> Answer {
        let (reply, answer) = mpsc::channel();
        let request = Request {
            path: path.to_owned(),
            keys: keys.to_vec(),
            reply,
        };
        let sent = match self.requests.lock() {
            Ok(r) => r.send(request),
            Err(p) => p.into_inner().send(request),
        };
        let gone = || ProviderError::Failed(format!("{} is no longer running", self.plugin));
        sent.map_err(|_| gone())?;
        answer.recv().map_err(|_| gone())?
    }
}

/// Makes config providers from the plugins of a catalog, for
/// `config.providers.<name>.class=<plugin name or alias>`.
pub struct PluginProviders {
    /// The engine their sandboxes run on.
    pub engine: Arc<PluginEngine>,
    /// Where they are looked up.
    pub catalog: Arc<PluginCatalog>,
    /// What relative paths in their parameters are relative to.
    pub cwd: PathBuf,
}

impl ProviderFactory for PluginProviders {
    fn classes(&self) -> Vec<String> {
        self.catalog
            .plugins()
            .iter()
            .filter(|p| KindClass::of(p.manifest.kind) == KindClass::ConfigProvider)
            .flat_map(|p| self.catalog.names_of(p))
            .collect()
    }

    fn create(
        &self,
        class: &str,
        params: &[(String, String)],
    ) -> Option<Result<Arc<dyn ConfigProvider>, String>> {
        let plugin = self.catalog.find(KindClass::ConfigProvider, class).ok()?;
        Some(
            PluginConfigProvider::start(
                self.engine.clone(),
                plugin,
                params.to_vec(),
                self.cwd.clone(),
            )
            .map(|p| Arc::new(p) as Arc<dyn ConfigProvider>),
        )
    }
}
