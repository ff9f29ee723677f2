//! Runtime configuration: the flags of the upstream `legate` driver and their `LEGATE_*`
//! environment variables.
//!
//! Sources, from weakest to strongest (the upstream rule: an environment variable sets the
//! default of its flag, and an explicit flag wins):
//! 1. [`Config::auto`], sized to this machine;
//! 2. the individual variables (`LEGATE_CPUS`, `LEGATE_SYSMEM`, ...);
//! 3. the flags in `LEGATE_CONFIG` (e.g. `LEGATE_CONFIG="--cpus 2 --sysmem=4000"`).

use std::fmt;

/// MiB, the unit of every memory flag.
const MIB: u64 = 1 << 20;

/// The runtime configuration of one rank (all ranks are configured alike).
///
/// Memory sizes are in MiB, like the upstream flags.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// `--cpus`: CPU processors (worker threads) per rank.
    pub cpus: usize,
    /// `--gpus`: GPUs per rank.
    pub gpus: usize,
    /// `--omps`: OpenMP groups per rank.
    pub omps: usize,
    /// `--ompthreads`: threads per OpenMP group.
    pub ompthreads: usize,
    /// `--utility`: utility threads per rank, for runtime meta-work.
    pub utility: usize,
    /// `--sysmem`: system memory per rank, in MiB.
    pub sysmem: u64,
    /// `--numamem`: NUMA-local memory per rank for OpenMP groups, in MiB.
    pub numamem: u64,
    /// `--fbmem`: framebuffer memory per GPU, in MiB.
    pub fbmem: u64,
    /// `--zcmem`: zero-copy (pinned host) memory per rank, in MiB.
    pub zcmem: u64,
    /// `--regmem`: memory registered with the network per rank, in MiB.
    pub regmem: u64,
    /// `--eager-alloc-percentage`: share of each memory set aside for eager allocations.
    pub eager_alloc_percentage: u32,
    /// `--min-cpu-chunk`: the smallest piece, in elements, that gets a CPU task of its own.
    pub min_cpu_chunk: u64,
    /// `--min-omp-chunk`: the smallest piece, in elements, that gets an OpenMP task of its own.
    pub min_omp_chunk: u64,
    /// `--min-gpu-chunk`: the smallest piece, in elements, that gets a GPU task of its own.
    pub min_gpu_chunk: u64,
    /// `--show-config`: print [`Config::summary`] at start-up.
    pub show_config: bool,
    /// `--fusion` (`LEGATE_FUSION`): fuse chains of element-wise operations into one task
    /// per piece (on by default; `--no-fusion` or `LEGATE_FUSION=0` turns it off, to
    /// debug or to measure what fusion gains).
    pub fusion: bool,
    /// `--compose` (`LEGATE_COMPOSE`): run a fused chain of kernels that their library
    /// describes as one loop (on by default; `--no-compose` or `LEGATE_COMPOSE=0` runs
    /// each kernel of the chain over the block in turn, to debug or to measure the gain).
    pub compose: bool,
    /// `--profile`: record when and where every task ran, and write the timeline to
    /// `<logdir>/legate_prof/` (`index.html` and a Chrome trace-event `trace.json`).
    pub profile: bool,
    /// `--dataflow`: write the graph of launches and the stores that flow between them to
    /// `<logdir>/dataflow_legate.dot` (and `.pdf` when GraphViz's `dot` is present).
    pub dataflow: bool,
    /// `--event`: write the graph of point tasks and the dependences the runtime found to
    /// `<logdir>/event_graph_legate.dot` (and `.pdf` when `dot` is present).
    pub event: bool,
    /// `--logdir`: the directory the tools above write into (created if missing; the
    /// working directory by default).
    pub logdir: String,
}

/// Why a configuration could not be built.
///
/// `flag` names the flag (`--cpus`) or the environment variable (`LEGATE_CPUS`) at fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigError {
    /// A flag (or a bare word) that the configuration does not know.
    UnknownFlag {
        /// The offending argument.
        flag: String,
    },
    /// A flag that needs a value was last, or was followed by another flag.
    MissingValue {
        /// The flag without a value.
        flag: String,
    },
    /// A value that does not parse or is out of range.
    InvalidValue {
        /// The flag or environment variable that carried the value.
        flag: String,
        /// The value as given.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownFlag { flag } => write!(f, "unknown flag `{flag}`"),
            Self::MissingValue { flag } => write!(f, "flag `{flag}` needs a value"),
            Self::InvalidValue {
                flag,
                value,
                reason,
            } => write!(f, "invalid value `{value}` for `{flag}`: {reason}"),
        }
    }
}

impl std::error::Error for ConfigError {}

/// One configuration flag: its name, its environment variable and a line of help.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlagInfo {
    /// The flag, e.g. `--cpus`.
    pub flag: &'static str,
    /// The environment variable that sets its default, e.g. `LEGATE_CPUS`.
    pub env: &'static str,
    /// One line of help.
    pub help: &'static str,
}

const fn info(flag: &'static str, env: &'static str, help: &'static str) -> FlagInfo {
    FlagInfo { flag, env, help }
}

// Environment variable names follow the upstream driver (`LEGATE_OMP_PROCS`, ...).
static FLAGS: [FlagInfo; 21] = [
    info("--cpus", "LEGATE_CPUS", "Number of CPU processors per rank"),
    info("--gpus", "LEGATE_GPUS", "Number of GPUs per rank"),
    info(
        "--omps",
        "LEGATE_OMP_PROCS",
        "Number of OpenMP groups per rank",
    ),
    info(
        "--ompthreads",
        "LEGATE_OMP_THREADS",
        "Number of threads per OpenMP group",
    ),
    info(
        "--utility",
        "LEGATE_UTILITY_CORES",
        "Number of utility threads per rank for runtime meta-work",
    ),
    info(
        "--sysmem",
        "LEGATE_SYSMEM",
        "Amount of system memory per rank (in MiB)",
    ),
    info(
        "--numamem",
        "LEGATE_NUMAMEM",
        "Amount of NUMA-local memory per rank for OpenMP groups (in MiB)",
    ),
    info(
        "--fbmem",
        "LEGATE_FBMEM",
        "Amount of framebuffer memory per GPU (in MiB)",
    ),
    info(
        "--zcmem",
        "LEGATE_ZCMEM",
        "Amount of zero-copy memory per rank (in MiB)",
    ),
    info(
        "--regmem",
        "LEGATE_REGMEM",
        "Amount of memory registered with the network per rank (in MiB)",
    ),
    info(
        "--eager-alloc-percentage",
        "LEGATE_EAGER_ALLOC_PERCENTAGE",
        "Percentage of each memory reserved for eager allocations",
    ),
    info(
        "--min-cpu-chunk",
        "LEGATE_MIN_CPU_CHUNK",
        "Smallest piece (in elements) worth a CPU task of its own",
    ),
    info(
        "--min-omp-chunk",
        "LEGATE_MIN_OMP_CHUNK",
        "Smallest piece (in elements) worth an OpenMP task of its own",
    ),
    info(
        "--min-gpu-chunk",
        "LEGATE_MIN_GPU_CHUNK",
        "Smallest piece (in elements) worth a GPU task of its own",
    ),
    info(
        "--show-config",
        "LEGATE_SHOW_CONFIG",
        "Print the configuration at start-up",
    ),
    info(
        "--fusion",
        "LEGATE_FUSION",
        "Fuse element-wise operations into one task per piece (--no-fusion: off)",
    ),
    info(
        "--compose",
        "LEGATE_COMPOSE",
        "Run a fused chain of described kernels as one loop (--no-compose: off)",
    ),
    info(
        "--profile",
        "LEGATE_PROFILE",
        "Write a timeline of every task to <logdir>/legate_prof/",
    ),
    info(
        "--dataflow",
        "LEGATE_DATAFLOW",
        "Write the dataflow graph of launches to <logdir>/dataflow_legate.dot",
    ),
    info(
        "--event",
        "LEGATE_EVENT",
        "Write the graph of point tasks and dependences to <logdir>/event_graph_legate.dot",
    ),
    info(
        "--logdir",
        "LEGATE_LOG_DIR",
        "Directory for the files of --profile, --dataflow and --event",
    ),
];

/// The flags that may stand without a value (meaning `true`).
const SWITCHES: [&str; 6] = [
    "--show-config",
    "--fusion",
    "--compose",
    "--profile",
    "--dataflow",
    "--event",
];

/// `--no-fusion`: the same as `--fusion=false`.
const NO_FUSION: &str = "--no-fusion";

/// `--no-compose`: the same as `--compose=false`.
const NO_COMPOSE: &str = "--no-compose";

impl Default for Config {
    /// The same as [`Config::auto`].
    fn default() -> Self {
        Self::auto()
    }
}

impl Config {
    /// Upstream default of `LEGATE_MIN_CPU_CHUNK` (`1 << 14`).
    pub const DEFAULT_MIN_CPU_CHUNK: u64 = 1 << 14;
    /// Upstream default of `LEGATE_MIN_OMP_CHUNK` (`1 << 17`).
    pub const DEFAULT_MIN_OMP_CHUNK: u64 = 1 << 17;
    /// Upstream default of `LEGATE_MIN_GPU_CHUNK` (`1 << 20`).
    pub const DEFAULT_MIN_GPU_CHUNK: u64 = 1 << 20;

    /// The automatic configuration for this machine: every core a CPU processor, no GPU
    /// or OpenMP group, one utility thread, and 80 % of the machine's memory (4096 MiB when
    /// `/proc/meminfo` cannot be read) as system memory.
    ///
    /// ```
    /// let config = legate_mapper::Config::auto();
    /// assert!(config.cpus >= 1);
    /// assert_eq!(config.gpus, 0);
    /// assert!(config.validate().is_ok());
    /// ```
    pub fn auto() -> Config {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        let sysmem = total_memory_mib().map_or(4096, |total| (total * 4 / 5).max(1));
        Config {
            cpus: cores,
            gpus: 0,
            omps: 0,
            ompthreads: cores,
            utility: 1,
            sysmem,
            numamem: 0,
            fbmem: 0,
            zcmem: 128,
            regmem: 0,
            eager_alloc_percentage: 50,
            min_cpu_chunk: Self::DEFAULT_MIN_CPU_CHUNK,
            min_omp_chunk: Self::DEFAULT_MIN_OMP_CHUNK,
            min_gpu_chunk: Self::DEFAULT_MIN_GPU_CHUNK,
            show_config: false,
            fusion: true,
            compose: true,
            profile: false,
            dataflow: false,
            event: false,
            logdir: ".".to_string(),
        }
    }

    /// The configuration of this process: [`Config::auto`], then the individual `LEGATE_*`
    /// variables, then the flags in `LEGATE_CONFIG`, validated.
    ///
    /// # Errors
    ///
    /// As [`Config::from_env_with`].
    ///
    /// ```no_run
    /// let config = legate_mapper::Config::from_env()?;
    /// if config.show_config {
    ///     println!("{}", config.summary());
    /// }
    /// # Ok::<(), legate_mapper::ConfigError>(())
    /// ```
    pub fn from_env() -> Result<Config, ConfigError> {
        Self::from_env_with(|name| std::env::var(name).ok())
    }

    /// [`Config::from_env`] with the environment given as a lookup function.
    ///
    /// Flags in `LEGATE_CONFIG` win over the individual variables, as explicit flags win
    /// over environment defaults upstream. Empty variables count as unset.
    ///
    /// # Errors
    ///
    /// [`ConfigError::InvalidValue`] naming the variable for a value that does not parse,
    /// the errors of [`Config::apply_args`] for `LEGATE_CONFIG`, and those of
    /// [`Config::validate`] for the result.
    ///
    /// ```
    /// use legate_mapper::Config;
    ///
    /// let env = |name: &str| match name {
    ///     "LEGATE_CONFIG" => Some("--cpus 2 --sysmem=4000".to_string()),
    ///     "LEGATE_CPUS" => Some("8".to_string()),
    ///     "LEGATE_MIN_CPU_CHUNK" => Some("64".to_string()),
    ///     _ => None,
    /// };
    /// let config = Config::from_env_with(env)?;
    /// assert_eq!((config.cpus, config.sysmem, config.min_cpu_chunk), (2, 4000, 64));
    /// # Ok::<(), legate_mapper::ConfigError>(())
    /// ```
    pub fn from_env_with(get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let lookup = |name: &str| get(name).filter(|v| !v.trim().is_empty());
        let mut config = Config::auto();
        for flag in &FLAGS {
            if let Some(value) = lookup(flag.env) {
                config.set(flag.flag, flag.env, value.trim())?;
            }
        }
        if let Some(line) = lookup("LEGATE_CONFIG") {
            config.apply_args(&split_args(&line)?)?;
        }
        config.validate()?;
        Ok(config)
    }

    /// Applies flags on top of `self`, in order, so a later flag wins. Both `--cpus 2` and
    /// `--cpus=2` are accepted; sizes are plain numbers of MiB; the switches (`--show-config`,
    /// `--fusion`, `--compose`, `--profile`, `--dataflow`, `--event`) take no value (or an
    /// explicit `--show-config=false`), `--no-fusion` is `--fusion=false` and `--no-compose`
    /// is `--compose=false`. The result is not validated, so
    /// several calls may build a configuration step by step.
    ///
    /// # Errors
    ///
    /// [`ConfigError::UnknownFlag`] for an argument that is no flag of [`Config::flags`],
    /// [`ConfigError::MissingValue`] for a flag without its value and
    /// [`ConfigError::InvalidValue`] for a value that does not parse. Flags before the
    /// faulty one have been applied.
    ///
    /// ```
    /// let mut config = legate_mapper::Config::with_cpus(1);
    /// config.apply_args(&["--omps", "2", "--ompthreads=4", "--show-config"])?;
    /// assert_eq!((config.omps, config.ompthreads, config.show_config), (2, 4, true));
    /// # Ok::<(), legate_mapper::ConfigError>(())
    /// ```
    pub fn apply_args<S: AsRef<str>>(&mut self, args: &[S]) -> Result<(), ConfigError> {
        let mut args = args.iter().map(AsRef::as_ref);
        while let Some(arg) = args.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((flag, value)) => (flag, Some(value)),
                None if arg == NO_FUSION => ("--fusion", Some("false")),
                None if arg == NO_COMPOSE => ("--compose", Some("false")),
                None => (arg, None),
            };
            if !FLAGS.iter().any(|f| f.flag == flag) {
                return Err(ConfigError::UnknownFlag {
                    flag: arg.to_string(),
                });
            }
            let value = match inline {
                Some(value) => value,
                None if SWITCHES.contains(&flag) => "true",
                None => match args.next() {
                    Some(value) if !value.starts_with("--") => value,
                    _ => {
                        return Err(ConfigError::MissingValue {
                            flag: flag.to_string(),
                        })
                    }
                },
            };
            self.set(flag, flag, value)?;
        }
        Ok(())
    }

    /// Flags parsed on top of [`Config::auto`], validated.
    ///
    /// # Errors
    ///
    /// Those of [`Config::apply_args`] and [`Config::validate`].
    ///
    /// ```
    /// use legate_mapper::{Config, ConfigError};
    ///
    /// let config = Config::from_args(&["--cpus", "3", "--zcmem=64"])?;
    /// assert_eq!((config.cpus, config.zcmem), (3, 64));
    /// assert_eq!(
    ///     Config::from_args(&["--cpu", "3"]),
    ///     Err(ConfigError::UnknownFlag { flag: "--cpu".into() })
    /// );
    /// # Ok::<(), ConfigError>(())
    /// ```
    pub fn from_args<S: AsRef<str>>(args: &[S]) -> Result<Config, ConfigError> {
        let mut config = Config::auto();
        config.apply_args(args)?;
        config.validate()?;
        Ok(config)
    }

    /// A configuration with exactly `n` CPUs and no OpenMP group or GPU, the rest from
    /// [`Config::auto`]; meant for tests.
    ///
    /// ```
    /// let config = legate_mapper::Config::with_cpus(2);
    /// assert_eq!((config.cpus, config.omps, config.gpus), (2, 0, 0));
    /// ```
    pub fn with_cpus(n: usize) -> Config {
        Config {
            cpus: n,
            gpus: 0,
            omps: 0,
            ..Config::auto()
        }
    }

    /// A human-readable summary, one flag per line (what `--show-config` prints).
    ///
    /// ```
    /// let summary = legate_mapper::Config::with_cpus(2).summary();
    /// assert!(summary.lines().any(|line| line.contains("--cpus") && line.ends_with(" 2")));
    /// ```
    pub fn summary(&self) -> String {
        let mib = |n: u64| format!("{n} MiB");
        let rows = [
            ("--cpus", self.cpus.to_string()),
            ("--gpus", self.gpus.to_string()),
            ("--omps", self.omps.to_string()),
            ("--ompthreads", self.ompthreads.to_string()),
            ("--utility", self.utility.to_string()),
            ("--sysmem", mib(self.sysmem)),
            ("--numamem", mib(self.numamem)),
            ("--fbmem", mib(self.fbmem)),
            ("--zcmem", mib(self.zcmem)),
            ("--regmem", mib(self.regmem)),
            (
                "--eager-alloc-percentage",
                format!("{} %", self.eager_alloc_percentage),
            ),
            ("--min-cpu-chunk", self.min_cpu_chunk.to_string()),
            ("--min-omp-chunk", self.min_omp_chunk.to_string()),
            ("--min-gpu-chunk", self.min_gpu_chunk.to_string()),
            ("--show-config", self.show_config.to_string()),
            ("--fusion", self.fusion.to_string()),
            ("--compose", self.compose.to_string()),
            ("--profile", self.profile.to_string()),
            ("--dataflow", self.dataflow.to_string()),
            ("--event", self.event.to_string()),
            ("--logdir", self.logdir.clone()),
        ];
        let lines = rows.map(|(flag, value)| format!("  {flag:<26}{value}\n"));
        std::iter::once("Legate configuration:\n".to_string())
            .chain(lines)
            .collect()
    }

    /// Checks that the values make a usable machine: at least one CPU or OpenMP group,
    /// threads in every OpenMP group, a utility thread, system memory, framebuffer memory
    /// when there are GPUs, a percentage of at most 100 and non-zero chunk sizes.
    ///
    /// # Errors
    ///
    /// [`ConfigError::InvalidValue`] naming the first flag whose value is unusable.
    ///
    /// ```
    /// use legate_mapper::{Config, ConfigError};
    ///
    /// assert!(Config::with_cpus(1).validate().is_ok());
    /// assert!(matches!(
    ///     Config::with_cpus(0).validate(),
    ///     Err(ConfigError::InvalidValue { flag, .. }) if flag == "--cpus"
    /// ));
    /// ```
    pub fn validate(&self) -> Result<(), ConfigError> {
        let check = |ok: bool, flag: &str, value: &dyn fmt::Display, reason: &str| {
            if ok {
                Ok(())
            } else {
                Err(ConfigError::InvalidValue {
                    flag: flag.to_string(),
                    value: value.to_string(),
                    reason: reason.to_string(),
                })
            }
        };
        check(
            self.cpus + self.omps >= 1,
            "--cpus",
            &self.cpus,
            "at least one CPU or OpenMP group is needed",
        )?;
        check(
            self.omps == 0 || self.ompthreads >= 1,
            "--ompthreads",
            &self.ompthreads,
            "an OpenMP group needs at least one thread",
        )?;
        check(
            self.utility >= 1,
            "--utility",
            &self.utility,
            "at least one utility thread is needed",
        )?;
        check(
            self.sysmem >= 1,
            "--sysmem",
            &self.sysmem,
            "system memory cannot be empty",
        )?;
        check(
            self.gpus == 0 || self.fbmem >= 1,
            "--fbmem",
            &self.fbmem,
            "GPUs need framebuffer memory",
        )?;
        check(
            self.eager_alloc_percentage <= 100,
            "--eager-alloc-percentage",
            &self.eager_alloc_percentage,
            "a percentage is at most 100",
        )?;
        for (flag, chunk) in [
            ("--min-cpu-chunk", self.min_cpu_chunk),
            ("--min-omp-chunk", self.min_omp_chunk),
            ("--min-gpu-chunk", self.min_gpu_chunk),
        ] {
            check(
                chunk >= 1,
                flag,
                &chunk,
                "a chunk holds at least one element",
            )?;
        }
        Ok(())
    }

    /// The flags understood, each with its environment variable and a line of help.
    ///
    /// ```
    /// let cpus = legate_mapper::Config::flags().iter().find(|f| f.flag == "--cpus");
    /// assert_eq!(cpus.map(|f| f.env), Some("LEGATE_CPUS"));
    /// ```
    pub fn flags() -> &'static [FlagInfo] {
        &FLAGS
    }

    /// Sets the field of `flag` from `value`; errors name `source` (the flag or variable).
    fn set(&mut self, flag: &str, source: &str, value: &str) -> Result<(), ConfigError> {
        let invalid = |reason: String| ConfigError::InvalidValue {
            flag: source.to_string(),
            value: value.to_string(),
            reason,
        };
        let count = || {
            value
                .parse::<usize>()
                .map_err(|e| invalid(format!("expected a count: {e}")))
        };
        let mib = || {
            value
                .parse::<u64>()
                .map_err(|e| invalid(format!("expected a size in MiB: {e}")))
                .and_then(|n| {
                    n.checked_mul(MIB)
                        .map(|_| n)
                        .ok_or_else(|| invalid("size too large".to_string()))
                })
        };
        let elements = || {
            value
                .parse::<u64>()
                .map_err(|e| invalid(format!("expected a number of elements: {e}")))
        };
        match flag {
            "--cpus" => self.cpus = count()?,
            "--gpus" => self.gpus = count()?,
            "--omps" => self.omps = count()?,
            "--ompthreads" => self.ompthreads = count()?,
            "--utility" => self.utility = count()?,
            "--sysmem" => self.sysmem = mib()?,
            "--numamem" => self.numamem = mib()?,
            "--fbmem" => self.fbmem = mib()?,
            "--zcmem" => self.zcmem = mib()?,
            "--regmem" => self.regmem = mib()?,
            "--eager-alloc-percentage" => {
                self.eager_alloc_percentage = value
                    .parse()
                    .map_err(|e| invalid(format!("expected a percentage: {e}")))?;
            }
            "--min-cpu-chunk" => self.min_cpu_chunk = elements()?,
            "--min-omp-chunk" => self.min_omp_chunk = elements()?,
            "--min-gpu-chunk" => self.min_gpu_chunk = elements()?,
            "--show-config" | "--fusion" | "--compose" | "--profile" | "--dataflow" | "--event" => {
                let on = parse_bool(value)
                    .ok_or_else(|| invalid("expected true/false, 1/0, yes/no or on/off".into()))?;
                *match flag {
                    "--fusion" => &mut self.fusion,
                    "--compose" => &mut self.compose,
                    "--profile" => &mut self.profile,
                    "--dataflow" => &mut self.dataflow,
                    "--event" => &mut self.event,
                    _ => &mut self.show_config,
                } = on;
            }
            "--logdir" => {
                if value.is_empty() {
                    return Err(invalid("expected a directory".to_string()));
                }
                self.logdir = value.to_string();
            }
            _ => {
                return Err(ConfigError::UnknownFlag {
                    flag: flag.to_string(),
                })
            }
        }
        Ok(())
    }
}

fn parse_bool(value: &str) -> Option<bool> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// Splits `LEGATE_CONFIG` like a shell: whitespace separates words, quotes group them and a
/// backslash escapes the next character (outside single quotes).
fn split_args(line: &str) -> Result<Vec<String>, ConfigError> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut quote: Option<char> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('\''), c) => word.get_or_insert_with(String::new).push(c),
            (_, '\\') => {
                if let Some(next) = chars.next() {
                    word.get_or_insert_with(String::new).push(next);
                }
            }
            (None, '\'' | '"') => {
                quote = Some(c);
                word.get_or_insert_with(String::new);
            }
            (None, c) if c.is_whitespace() => words.extend(word.take()),
            (_, c) => word.get_or_insert_with(String::new).push(c),
        }
    }
    if quote.is_some() {
        return Err(ConfigError::InvalidValue {
            flag: "LEGATE_CONFIG".to_string(),
            value: line.to_string(),
            reason: "unterminated quote".to_string(),
        });
    }
    words.extend(word);
    Ok(words)
}

/// `MemTotal` of `/proc/meminfo`, in MiB.
fn total_memory_mib() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = meminfo.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn both_flag_forms_parse() {
        let spaced = Config::from_args(&["--cpus", "3", "--sysmem", "1000"]).unwrap();
        let joined = Config::from_args(&["--cpus=3", "--sysmem=1000"]).unwrap();
        assert_eq!(spaced, joined);
        assert_eq!((spaced.cpus, spaced.sysmem), (3, 1000));
    }

    #[test]
    fn every_flag_sets_its_field() {
        let args = [
            "--cpus=1",
            "--gpus=2",
            "--omps=3",
            "--ompthreads=4",
            "--utility=5",
            "--sysmem=6",
            "--numamem=7",
            "--fbmem=8",
            "--zcmem=9",
            "--regmem=10",
            "--eager-alloc-percentage=11",
            "--min-cpu-chunk=12",
            "--min-omp-chunk=13",
            "--min-gpu-chunk=14",
            "--show-config",
            "--fusion=false",
            "--compose=no",
            "--profile",
            "--dataflow=1",
            "--event=yes",
            "--logdir=/tmp/logs",
        ];
        assert_eq!(args.len(), Config::flags().len());
        let c = Config::from_args(&args).unwrap();
        assert_eq!(
            c,
            Config {
                cpus: 1,
                gpus: 2,
                omps: 3,
                ompthreads: 4,
                utility: 5,
                sysmem: 6,
                numamem: 7,
                fbmem: 8,
                zcmem: 9,
                regmem: 10,
                eager_alloc_percentage: 11,
                min_cpu_chunk: 12,
                min_omp_chunk: 13,
                min_gpu_chunk: 14,
                show_config: true,
                fusion: false,
                compose: false,
                profile: true,
                dataflow: true,
                event: true,
                logdir: "/tmp/logs".into(),
            }
        );
    }

    #[test]
    fn the_tools_are_off_by_default_and_switched_on_by_flag_or_variable() {
        let auto = Config::auto();
        assert!(!auto.profile && !auto.dataflow && !auto.event);
        assert_eq!(auto.logdir, ".");
        let c = Config::from_args(&["--profile", "--event", "--logdir", "out"]).unwrap();
        assert!(c.profile && c.event && !c.dataflow);
        assert_eq!(c.logdir, "out");
        let c = Config::from_env_with(env(&[("LEGATE_DATAFLOW", "1"), ("LEGATE_LOG_DIR", "d")]))
            .unwrap();
        assert!(c.dataflow && !c.profile);
        assert_eq!(c.logdir, "d");
        assert!(matches!(
            Config::from_args(&["--logdir="]),
            Err(ConfigError::InvalidValue { flag, .. }) if flag == "--logdir"
        ));
    }

    #[test]
    fn fusion_is_on_by_default_and_turned_off_three_ways() {
        assert!(Config::auto().fusion);
        assert!(!Config::from_args(&["--no-fusion"]).unwrap().fusion);
        assert!(!Config::from_args(&["--fusion=0"]).unwrap().fusion);
        assert!(
            Config::from_args(&["--no-fusion", "--fusion"])
                .unwrap()
                .fusion
        );
        let env = |name: &str| (name == "LEGATE_FUSION").then(|| "0".to_string());
        assert!(!Config::from_env_with(env).unwrap().fusion);
    }

    #[test]
    fn composition_is_on_by_default_and_turned_off_by_flag_or_variable() {
        assert!(Config::auto().compose);
        let c = Config::from_args(&["--no-compose"]).unwrap();
        assert!(!c.compose && c.fusion);
        assert!(
            Config::from_args(&["--no-compose", "--compose"])
                .unwrap()
                .compose
        );
        let env = |name: &str| (name == "LEGATE_COMPOSE").then(|| "0".to_string());
        assert!(!Config::from_env_with(env).unwrap().compose);
    }

    #[test]
    fn later_flag_wins() {
        let c = Config::from_args(&["--cpus", "2", "--cpus=5"]).unwrap();
        assert_eq!(c.cpus, 5);
    }

    #[test]
    fn show_config_is_a_switch_with_optional_value() {
        let on = Config::from_args(&["--show-config", "--cpus", "1"]).unwrap();
        assert!(on.show_config);
        let off = Config::from_args(&["--show-config", "--show-config=false"]).unwrap();
        assert!(!off.show_config);
    }

    #[test]
    fn unknown_flag_is_an_error() {
        assert_eq!(
            Config::from_args(&["--nodes", "2"]),
            Err(ConfigError::UnknownFlag {
                flag: "--nodes".into()
            })
        );
        assert_eq!(
            Config::from_args(&["prog.py"]),
            Err(ConfigError::UnknownFlag {
                flag: "prog.py".into()
            })
        );
    }

    #[test]
    fn missing_value_is_an_error() {
        assert_eq!(
            Config::from_args(&["--cpus"]),
            Err(ConfigError::MissingValue {
                flag: "--cpus".into()
            })
        );
        assert_eq!(
            Config::from_args(&["--cpus", "--gpus", "1"]),
            Err(ConfigError::MissingValue {
                flag: "--cpus".into()
            })
        );
    }

    #[test]
    fn bad_number_is_an_error() {
        for args in [
            ["--cpus", "two"],
            ["--cpus", "-1"],
            ["--cpus", "1.5"],
            ["--cpus", ""],
        ] {
            let err = Config::from_args(&args).unwrap_err();
            assert!(
                matches!(&err, ConfigError::InvalidValue { flag, value, .. }
                    if flag == "--cpus" && value == args[1]),
                "{err}"
            );
        }
        assert!(matches!(
            Config::from_args(&["--sysmem=99999999999999999"]),
            Err(ConfigError::InvalidValue { .. })
        ));
        assert!(matches!(
            Config::from_args(&["--show-config=maybe"]),
            Err(ConfigError::InvalidValue { .. })
        ));
    }

    #[test]
    fn errors_display_the_flag() {
        let err = Config::from_args(&["--gpus", "x"]).unwrap_err();
        assert!(err.to_string().contains("--gpus"));
        assert!(err.to_string().contains("`x`"));
    }

    #[test]
    fn env_variables_use_upstream_names() {
        let c = Config::from_env_with(env(&[
            ("LEGATE_CPUS", "3"),
            ("LEGATE_OMP_PROCS", "2"),
            ("LEGATE_OMP_THREADS", "4"),
            ("LEGATE_UTILITY_CORES", "2"),
            ("LEGATE_SYSMEM", "1000"),
            ("LEGATE_ZCMEM", "32"),
            ("LEGATE_EAGER_ALLOC_PERCENTAGE", "40"),
            ("LEGATE_MIN_CPU_CHUNK", "2"),
            ("LEGATE_MIN_OMP_CHUNK", "3"),
            ("LEGATE_MIN_GPU_CHUNK", "4"),
            ("LEGATE_SHOW_CONFIG", "1"),
        ]))
        .unwrap();
        assert_eq!((c.cpus, c.omps, c.ompthreads, c.utility), (3, 2, 4, 2));
        assert_eq!(
            (c.sysmem, c.zcmem, c.eager_alloc_percentage),
            (1000, 32, 40)
        );
        assert_eq!(
            (c.min_cpu_chunk, c.min_omp_chunk, c.min_gpu_chunk),
            (2, 3, 4)
        );
        assert!(c.show_config);
    }

    #[test]
    fn legate_config_overrides_individual_variables() {
        let c = Config::from_env_with(env(&[
            ("LEGATE_CONFIG", "  --cpus 2\t--gpus=1 --fbmem 512 "),
            ("LEGATE_CPUS", "7"),
            ("LEGATE_SYSMEM", "1234"),
        ]))
        .unwrap();
        assert_eq!((c.cpus, c.gpus, c.fbmem, c.sysmem), (2, 1, 512, 1234));
    }

    #[test]
    fn empty_environment_gives_auto() {
        assert_eq!(Config::from_env_with(|_| None).unwrap(), Config::auto());
        assert_eq!(
            Config::from_env_with(env(&[("LEGATE_CPUS", " "), ("LEGATE_CONFIG", "")])).unwrap(),
            Config::auto()
        );
    }

    #[test]
    fn env_errors_name_the_variable() {
        assert!(matches!(
            Config::from_env_with(env(&[("LEGATE_GPUS", "lots")])),
            Err(ConfigError::InvalidValue { flag, .. }) if flag == "LEGATE_GPUS"
        ));
        assert_eq!(
            Config::from_env_with(env(&[("LEGATE_CONFIG", "--bogus 1")])),
            Err(ConfigError::UnknownFlag {
                flag: "--bogus".into()
            })
        );
        assert!(matches!(
            Config::from_env_with(env(&[("LEGATE_CONFIG", "--cpus '2")])),
            Err(ConfigError::InvalidValue { flag, .. }) if flag == "LEGATE_CONFIG"
        ));
    }

    #[test]
    fn from_env_validates() {
        assert!(matches!(
            Config::from_env_with(env(&[("LEGATE_CONFIG", "--cpus 0")])),
            Err(ConfigError::InvalidValue { flag, .. }) if flag == "--cpus"
        ));
    }

    #[test]
    fn split_args_is_shell_like() {
        assert_eq!(
            split_args(r#" --a 'b c'  "d\"e" f\ g '' "#).unwrap(),
            ["--a", "b c", "d\"e", "f g", ""]
        );
        assert!(split_args("").unwrap().is_empty());
    }

    #[test]
    fn validate_rejects_unusable_machines() {
        let base = Config::with_cpus(2);
        let bad = |f: fn(&mut Config), flag: &str| {
            let mut c = base.clone();
            f(&mut c);
            assert!(
                matches!(c.validate(), Err(ConfigError::InvalidValue { flag: ref f, .. }) if f == flag),
                "{flag}"
            );
        };
        bad(|c| c.cpus = 0, "--cpus");
        bad(
            |c| {
                c.omps = 1;
                c.ompthreads = 0;
            },
            "--ompthreads",
        );
        bad(|c| c.utility = 0, "--utility");
        bad(|c| c.sysmem = 0, "--sysmem");
        bad(
            |c| {
                c.gpus = 1;
                c.fbmem = 0;
            },
            "--fbmem",
        );
        bad(
            |c| c.eager_alloc_percentage = 101,
            "--eager-alloc-percentage",
        );
        bad(|c| c.min_omp_chunk = 0, "--min-omp-chunk");

        let omp_only = Config {
            cpus: 0,
            omps: 1,
            ompthreads: 2,
            ..base.clone()
        };
        assert!(omp_only.validate().is_ok());
        let idle_omp_threads = Config {
            ompthreads: 0,
            ..base
        };
        assert!(idle_omp_threads.validate().is_ok());
    }

    #[test]
    fn auto_uses_upstream_chunk_defaults() {
        let c = Config::auto();
        assert_eq!(c.min_cpu_chunk, 16384);
        assert_eq!(c.min_omp_chunk, 131072);
        assert_eq!(c.min_gpu_chunk, 1048576);
        assert_eq!((c.utility, c.zcmem, c.eager_alloc_percentage), (1, 128, 50));
        assert!(c.sysmem >= 1);
    }

    #[test]
    fn flags_are_unique_and_documented() {
        let flags = Config::flags();
        for (i, f) in flags.iter().enumerate() {
            assert!(f.flag.starts_with("--") && f.env.starts_with("LEGATE_"));
            assert!(!f.help.is_empty());
            assert!(flags[i + 1..]
                .iter()
                .all(|g| g.flag != f.flag && g.env != f.env));
        }
    }

    #[test]
    fn summary_lists_every_flag() {
        let summary = Config::with_cpus(3).summary();
        for f in Config::flags() {
            assert!(summary.contains(f.flag), "{}", f.flag);
        }
        assert!(summary.contains("3"));
    }
}
