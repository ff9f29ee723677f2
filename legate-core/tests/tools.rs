//! The tools for users: `--profile` writes a timeline of what ran where, `--dataflow` and
//! `--event` write GraphViz graphs of the launches and of the point tasks.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use legate_core::{align, Config, Runtime, TaskContext, TaskDef, Type};

/// A fresh directory for one test's files.
fn logdir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("legate-tools-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn config(cpus: usize, dir: &Path) -> Config {
    let mut config = Config::with_cpus(cpus);
    config.min_cpu_chunk = 1;
    config.logdir = dir.display().to_string();
    config
}

/// `y = 2 x` then `z = x + y` on 4000 elements: two launches of `cpus` points each, the
/// second reading what the first wrote. `double` sleeps, so the second launch is analysed
/// while the first runs (the analysis drops finished writers, and their edges with them).
fn run_program(rt: &Runtime) {
    let lib = rt.create_library("test.tools").unwrap();
    lib.register_task(
        0,
        TaskDef::new("double")
            .cpu(|ctx: &mut TaskContext<'_>| {
                std::thread::sleep(std::time::Duration::from_millis(20));
                let x = ctx.input(0)?.read::<f64>()?;
                ctx.output(0)?.write::<f64>()?.assign(&(&x * 2.0));
                Ok(())
            })
            .never_inline(),
    )
    .unwrap();
    lib.register_task(
        1,
        TaskDef::new("add")
            .cpu(|ctx: &mut TaskContext<'_>| {
                let x = ctx.input(0)?.read::<f64>()?;
                let y = ctx.input(1)?.read::<f64>()?;
                ctx.output(0)?.write::<f64>()?.assign(&(&x + &y));
                Ok(())
            })
            .never_inline(),
    )
    .unwrap();
    let x = rt
        .store_from_vec((0..4000).map(f64::from).collect(), &[4000])
        .unwrap();
    let y = rt.create_store(Type::Float64, &[4000]).unwrap();
    let z = rt.create_store(Type::Float64, &[4000]).unwrap();
    let mut t = rt.create_auto_task(&lib, 0).unwrap();
    let (a, b) = (t.add_input(&x), t.add_output(&y));
    t.add_constraint(align(a, b));
    t.execute().unwrap();
    let mut t = rt.create_auto_task(&lib, 1).unwrap();
    let (a, b, c) = (t.add_input(&x), t.add_input(&y), t.add_output(&z));
    t.add_constraint(align(a, b));
    t.add_constraint(align(a, c));
    t.execute().unwrap();
    assert_eq!(z.read::<f64>().unwrap()[[3999]], 3.0 * 3999.0);
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn profile_writes_a_timeline_of_every_point_on_its_processor() {
    let dir = logdir("profile");
    let rt = Runtime::new(Config {
        profile: true,
        ..config(2, &dir)
    })
    .unwrap();
    run_program(&rt);
    let files = rt.write_profiles().unwrap();
    let prof = dir.join("legate_prof");
    assert_eq!(
        files,
        vec![prof.join("trace.json"), prof.join("index.html")]
    );
    let trace = read(&prof.join("trace.json"));
    // Two points of each launch, on the two CPU lanes.
    for task in ["test.tools.double", "test.tools.add"] {
        let runs = trace
            .lines()
            .filter(|l| l.contains(&format!("\"name\":\"{task}\"")))
            .count();
        assert_eq!(runs, 2, "{task} in {trace}");
    }
    assert!(trace.contains("\"name\":\"CPU 0\"") && trace.contains("\"name\":\"CPU 1\""));
    assert!(trace.starts_with('{') && trace.trim_end().ends_with("]}"));
    let html = read(&prof.join("index.html"));
    assert!(html.contains("<canvas") && html.contains("const DATA = {\"lanes\":["));
    assert!(html.contains("<td>test.tools.add</td><td>2</td>"), "{html}");
    // No graph was asked for.
    assert!(!dir.join("dataflow_legate.dot").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn dataflow_links_the_writer_of_a_store_to_its_reader() {
    let dir = logdir("dataflow");
    let rt = Runtime::new(Config {
        dataflow: true,
        ..config(2, &dir)
    })
    .unwrap();
    run_program(&rt);
    let files = rt.write_profiles().unwrap();
    assert!(
        files.contains(&dir.join("dataflow_legate.dot")),
        "{files:?}"
    );
    let dot = read(&dir.join("dataflow_legate.dot"));
    let node = |task: &str| {
        let line = dot
            .lines()
            .find(|l| l.contains(&format!("label=\"{task}\\n")))
            .unwrap_or_else(|| panic!("no node for {task} in {dot}"));
        line.trim().split(' ').next().unwrap().to_string()
    };
    let (double, add) = (node("test.tools.double"), node("test.tools.add"));
    assert!(
        dot.lines()
            .any(|l| l.trim().starts_with(&format!("{double} -> {add} "))
                && l.contains("float64 [4000]")),
        "{dot}"
    );
    // `x` came from the program: a source node feeding both launches.
    assert_eq!(dot.matches("[shape=ellipse").count(), 1, "{dot}");
    assert!(!dir.join("legate_prof").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_event_graph_has_a_dependence_from_each_writer_point_to_its_readers() {
    let dir = logdir("event");
    let rt = Runtime::new(Config {
        event: true,
        ..config(2, &dir)
    })
    .unwrap();
    run_program(&rt);
    rt.write_profiles().unwrap();
    let dot = read(&dir.join("event_graph_legate.dot"));
    let ids = |task: &str| -> Vec<String> {
        dot.lines()
            .filter(|l| l.contains(&format!("label=\"{task} [")))
            .map(|l| l.trim().split(' ').next().unwrap().to_string())
            .collect()
    };
    let (double, add) = (ids("test.tools.double"), ids("test.tools.add"));
    assert_eq!((double.len(), add.len()), (2, 2), "{dot}");
    // Aligned pieces: each `add` point waits for the `double` point of its piece.
    let edges: Vec<&str> = dot.lines().filter(|l| l.contains(" -> ")).collect();
    for a in &add {
        assert!(
            double
                .iter()
                .any(|d| edges.iter().any(|e| e.trim() == format!("{d} -> {a};"))),
            "{a} waits for no double point: {dot}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn dropping_the_last_handle_writes_the_files_and_tools_off_write_nothing() {
    let dir = logdir("drop");
    {
        let rt = Runtime::new(Config {
            profile: true,
            ..config(1, &dir)
        })
        .unwrap();
        run_program(&rt);
    }
    assert!(read(&dir.join("legate_prof/trace.json")).contains("test.tools.add"));
    std::fs::remove_dir_all(&dir).unwrap();

    // An explicit write covers what was recorded: the drop does not write it again.
    let once = logdir("once");
    let rt = Runtime::new(Config {
        profile: true,
        ..config(2, &once)
    })
    .unwrap();
    run_program(&rt);
    assert_eq!(rt.write_profiles().unwrap().len(), 2);
    std::fs::remove_dir_all(&once).unwrap();
    drop(rt);
    assert!(!once.exists());

    let quiet = logdir("quiet");
    let rt = Runtime::new(config(2, &quiet)).unwrap();
    run_program(&rt);
    assert!(rt.write_profiles().unwrap().is_empty());
    drop(rt);
    assert!(!quiet.exists());
}

#[test]
fn an_unwritable_logdir_is_an_error_not_a_panic() {
    let file = logdir("file");
    std::fs::write(&file, "not a directory").unwrap();
    let rt = Runtime::new(Config {
        profile: true,
        ..config(1, &file)
    })
    .unwrap();
    run_program(&rt);
    let err = rt.write_profiles().unwrap_err();
    assert!(
        matches!(&err, legate_core::Error::Io { path, .. } if path.ends_with("legate_prof")),
        "{err}"
    );
    drop(rt);
    std::fs::remove_file(&file).unwrap();
}
