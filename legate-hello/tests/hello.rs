//! Every operation of legate-hello against the direct sequential computation, on 1, 2 and
//! 4 CPUs with pieces small enough that every store is really cut, and on OMP groups.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use legate_core::{
    Config, DefaultMapper, Error, LogicalStore, Machine, Mapper, MemoryKind, Runtime, TaskContext,
    TaskDef, TaskError, Type, VariantKind,
};
use legate_hello::Hello;
use legate_mapper::{Layout, StoreInfo, TaskInfo};
use proptest::prelude::*;

const CPU_COUNTS: [usize; 3] = [1, 2, 4];

/// A runtime of `cpus` CPUs that cuts any store with at least one element per CPU.
fn runtime(cpus: usize) -> Runtime {
    let mut config = Config::with_cpus(cpus);
    config.min_cpu_chunk = 1;
    Runtime::new(config).unwrap()
}

fn values<T: legate_core::Element>(s: &LogicalStore) -> Vec<T> {
    s.read::<T>().unwrap().iter().copied().collect()
}

/// The population variance the textbook way: the mean first, then the squared deviations.
fn two_pass_variance(xs: &[f64]) -> f64 {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n
}

fn assert_close(got: f64, want: f64, what: &str) {
    let tol = 1e-12 * want.abs().max(1.0);
    assert!(
        (got - want).abs() <= tol,
        "{what}: got {got}, want {want} (tolerance {tol})"
    );
}

/// Test data whose squares and sums are exact in f64 in any order: small dyadic values.
fn dyadic(n: usize) -> Vec<f64> {
    (0..n).map(|i| (i as f64 - 17.0) * 0.25).collect()
}

#[test]
fn iota_counts_from_one_for_every_size() {
    for cpus in CPU_COUNTS {
        let rt = runtime(cpus);
        let hello = Hello::new(&rt).unwrap();
        // Every size up to a few pieces per CPU: even and uneven tilings, fewer elements
        // than CPUs, and one large store.
        for n in (1u64..=12).chain([64, 1000]) {
            let x = hello
                .iota(n)
                .unwrap_or_else(|e| panic!("iota({n}) on {cpus} CPUs: {e}"));
            assert_eq!(x.ty(), Type::Float64);
            assert_eq!(x.shape(), vec![n]);
            let want: Vec<f64> = (1..=n).map(|i| i as f64).collect();
            assert_eq!(values::<f64>(&x), want, "iota({n}) on {cpus} CPUs");
        }
    }
}

#[test]
fn operations_on_empty_stores_give_empty_results() {
    for cpus in CPU_COUNTS {
        let rt = runtime(cpus);
        let hello = Hello::new(&rt).unwrap();
        let x = hello.iota(0).unwrap();
        assert_eq!(x.shape(), vec![0]);
        assert!(values::<f64>(&x).is_empty(), "iota(0) on {cpus} CPUs");
        let y = hello.square(&x).unwrap();
        assert!(
            values::<f64>(&y).is_empty(),
            "square of nothing on {cpus} CPUs"
        );
        let total = hello.sum(&x).unwrap();
        assert_eq!(total.read_scalar::<f64>().unwrap(), 0.0);
        // As the reference (and NumPy): the mean of nothing is 0/0.
        let var = hello.variance(&x).unwrap();
        assert!(var.read_scalar::<f64>().unwrap().is_nan());
        assert!(two_pass_variance(&[]).is_nan());
    }
}

#[test]
fn stores_are_cut_into_one_piece_per_cpu() {
    for cpus in CPU_COUNTS {
        let rt = runtime(cpus);
        let hello = Hello::new(&rt).unwrap();
        let before = rt.stats().point_tasks;
        let x = hello.iota(1000).unwrap();
        rt.fence().unwrap();
        assert_eq!(
            rt.stats().point_tasks - before,
            cpus as u64,
            "iota on {cpus} CPUs"
        );
        drop(x);
    }
}

#[test]
fn square_matches_the_elementwise_product() {
    for cpus in CPU_COUNTS {
        let rt = runtime(cpus);
        let hello = Hello::new(&rt).unwrap();
        for n in [1usize, 4, 7, 100] {
            let xs = dyadic(n);
            let x = rt.store_from_vec(xs.clone(), &[n as u64]).unwrap();
            let y = hello.square(&x).unwrap();
            let want: Vec<f64> = xs.iter().map(|x| x * x).collect();
            assert_eq!(values::<f64>(&y), want, "square of {n} on {cpus} CPUs");
            assert_eq!(values::<f64>(&x), xs, "square leaves its input alone");
        }
    }
}

#[test]
fn square_follows_views_and_many_dimensions() {
    for cpus in CPU_COUNTS {
        let rt = runtime(cpus);
        let hello = Hello::new(&rt).unwrap();
        let xs = dyadic(24);
        let x = rt.store_from_vec(xs.clone(), &[4, 6]).unwrap();

        let y = hello.square(&x).unwrap();
        assert_eq!(y.shape(), vec![4, 6]);
        let want: Vec<f64> = xs.iter().map(|x| x * x).collect();
        assert_eq!(values::<f64>(&y), want, "2-D square on {cpus} CPUs");

        // Every other column of the transpose: a strided, non-contiguous view.
        let view = x.transpose(&[1, 0]).unwrap();
        let view = view.slice(0, Some(1), None, 2).unwrap();
        let y = hello.square(&view).unwrap();
        let want: Vec<f64> = values::<f64>(&view).iter().map(|x| x * x).collect();
        assert_eq!(y.shape(), vec![3, 4]);
        assert_eq!(values::<f64>(&y), want, "square of a view on {cpus} CPUs");
    }
}

#[test]
fn sum_matches_the_sequential_sum() {
    for cpus in CPU_COUNTS {
        let rt = runtime(cpus);
        let hello = Hello::new(&rt).unwrap();
        for n in [1usize, 2, 8, 1000] {
            let xs = dyadic(n);
            let x = rt.store_from_vec(xs.clone(), &[n as u64]).unwrap();
            let total = hello.sum(&x).unwrap();
            assert_eq!(total.shape(), Vec::<u64>::new(), "a sum is a 0-d store");
            assert_eq!(
                total.read_scalar::<f64>().unwrap(),
                xs.iter().sum::<f64>(),
                "sum of {n} on {cpus} CPUs"
            );
        }
        let xs = dyadic(24);
        let x = rt.store_from_vec(xs.clone(), &[2, 3, 4]).unwrap();
        let total = hello.sum(&x).unwrap();
        assert_eq!(total.read_scalar::<f64>().unwrap(), xs.iter().sum::<f64>());
        // Every third element, backwards: a strided view.
        let view = rt.store_from_vec(xs.clone(), &[24]).unwrap();
        let view = view.slice(0, None, None, -3).unwrap();
        let want: f64 = xs.iter().rev().step_by(3).sum();
        assert_eq!(
            hello.sum(&view).unwrap().read_scalar::<f64>().unwrap(),
            want
        );
    }
}

#[test]
fn variance_matches_the_two_pass_reference() {
    for cpus in CPU_COUNTS {
        let rt = runtime(cpus);
        let hello = Hello::new(&rt).unwrap();
        for n in [1u64, 2, 3, 4, 7, 8, 100, 1000] {
            let var = hello.variance(&hello.iota(n).unwrap()).unwrap();
            let got = var.read_scalar::<f64>().unwrap();
            let xs: Vec<f64> = (1..=n).map(|i| i as f64).collect();
            assert_close(got, two_pass_variance(&xs), "variance of iota");
            assert_close(got, (n * n - 1) as f64 / 12.0, "closed form of iota");
        }
        // The textbook example, exact in every order of summation.
        let xs = vec![2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        let x = rt.store_from_vec(xs.clone(), &[8]).unwrap();
        let var = hello.variance(&x).unwrap();
        assert_eq!(var.read_scalar::<f64>().unwrap(), 4.0);
        assert_eq!(two_pass_variance(&xs), 4.0);

        let xs = dyadic(50);
        let x = rt.store_from_vec(xs.clone(), &[5, 10]).unwrap();
        let got = hello.variance(&x).unwrap().read_scalar::<f64>().unwrap();
        assert_close(got, two_pass_variance(&xs), "variance of a 2-D store");
    }
}

#[test]
fn print_hello_runs_every_point_on_a_worker() {
    for cpus in CPU_COUNTS {
        let rt = runtime(cpus);
        let hello = Hello::new(&rt).unwrap();
        for n in [1u64, cpus as u64, 2 * cpus as u64 + 1] {
            let ran_on = hello.print_hello("Hello from a test", n).unwrap();
            assert_eq!(ran_on.shape(), vec![n]);
            let workers = values::<i64>(&ran_on);
            assert_eq!(workers.len(), n as usize);
            assert!(
                workers.iter().all(|&w| (0..cpus as i64).contains(&w)),
                "{n} points on {cpus} CPUs ran on workers {workers:?}"
            );
        }
    }
}

#[test]
fn print_hello_over_no_points_is_an_invalid_argument() {
    let rt = runtime(2);
    let hello = Hello::new(&rt).unwrap();
    assert!(matches!(
        hello.print_hello("nobody", 0),
        Err(Error::InvalidArgument { .. })
    ));
    assert_eq!(
        values::<i64>(&hello.print_hello("again", 1).unwrap()).len(),
        1
    );
}

#[test]
fn operations_on_int32_stores_are_type_mismatches() {
    let rt = runtime(2);
    let hello = Hello::new(&rt).unwrap();
    let x = rt.store_from_vec(vec![1i32, 2, 3], &[3]).unwrap();
    let mismatch = Error::TypeMismatch {
        expected: Type::Float64,
        found: Type::Int32,
    };
    assert_eq!(hello.square(&x).unwrap_err(), mismatch);
    assert_eq!(hello.sum(&x).unwrap_err(), mismatch);
    assert_eq!(hello.variance(&x).unwrap_err(), mismatch);
    // Nothing is lost: the store keeps its values and the runtime stays usable.
    assert_eq!(values::<i32>(&x), vec![1, 2, 3]);
    rt.fence().unwrap();
    let y = hello.square(&hello.iota(3).unwrap()).unwrap();
    assert_eq!(values::<f64>(&y), vec![1.0, 4.0, 9.0]);
}

#[test]
fn registering_the_library_twice_finds_the_first_registration() {
    let rt = runtime(1);
    let first = Hello::new(&rt).unwrap();
    let second = Hello::new(&rt).unwrap();
    let x = first.iota(4).unwrap();
    assert_eq!(second.sum(&x).unwrap().read_scalar::<f64>().unwrap(), 10.0);
}

/// A door the test holds shut while it issues work. A task waiting at a shut door fails
/// after a minute, so a launch that blocked would fail the test rather than hang it.
#[derive(Default)]
struct Door {
    open: Mutex<bool>,
    cv: Condvar,
}

impl Door {
    fn wait(&self) -> Result<(), TaskError> {
        let open = self.open.lock().unwrap();
        let (open, _) = self
            .cv
            .wait_timeout_while(open, Duration::from_secs(60), |open| !*open)
            .unwrap();
        if *open {
            Ok(())
        } else {
            Err(TaskError::new("the door never opened: the launch blocked"))
        }
    }

    fn open(&self) {
        *self.open.lock().unwrap() = true;
        self.cv.notify_all();
    }
}

#[test]
fn variance_returns_before_its_input_is_written() {
    for cpus in CPU_COUNTS {
        let rt = runtime(cpus);
        let hello = Hello::new(&rt).unwrap();
        // A producer of 1..=n that waits at the door: nothing downstream can run before.
        let door = Arc::new(Door::default());
        let lib = rt.create_library("test.door").unwrap();
        let at_door = Arc::clone(&door);
        lib.register_task(
            0,
            TaskDef::new("iota_behind_door")
                .cpu(move |ctx: &mut TaskContext<'_>| {
                    at_door.wait()?;
                    let out = ctx.output(0)?;
                    let lo = out.rect().lo[0];
                    for (i, v) in out.write::<f64>()?.iter_mut().enumerate() {
                        *v = (lo + i as i64 + 1) as f64;
                    }
                    Ok(())
                })
                .never_inline(),
        )
        .unwrap();
        let n = 100u64;
        let x = rt.create_store(Type::Float64, &[n]).unwrap();
        let mut producer = rt.create_auto_task(&lib, 0).unwrap();
        producer.add_output(&x);
        producer.execute().unwrap();

        let var = hello.variance(&x).unwrap();
        // Returned with the producer still shut in: the result is a future.
        assert!(rt.tasks_in_flight() > 0);
        assert_eq!(var.shape(), Vec::<u64>::new());

        door.open();
        assert_eq!(var.read_scalar::<f64>().unwrap(), (n * n - 1) as f64 / 12.0);
    }
}

/// The default mapper, noting which variant it picks for each task of the library.
#[derive(Default)]
struct RecordingMapper {
    picks: Mutex<Vec<(String, VariantKind)>>,
}

impl RecordingMapper {
    fn variants_of(&self, task: &str) -> Vec<VariantKind> {
        let picks = self.picks.lock().unwrap();
        picks
            .iter()
            .filter(|(name, _)| name == task)
            .map(|(_, v)| *v)
            .collect()
    }
}

impl Mapper for RecordingMapper {
    fn select_variant(&self, machine: &Machine, task: &TaskInfo<'_>) -> VariantKind {
        let v = DefaultMapper.select_variant(machine, task);
        if task.library == legate_hello::LIBRARY_NAME {
            self.picks.lock().unwrap().push((task.name.to_string(), v));
        }
        v
    }

    fn store_target(
        &self,
        machine: &Machine,
        variant: VariantKind,
        store: &StoreInfo<'_>,
    ) -> MemoryKind {
        DefaultMapper.store_target(machine, variant, store)
    }

    fn store_layout(
        &self,
        machine: &Machine,
        variant: VariantKind,
        store: &StoreInfo<'_>,
    ) -> Layout {
        DefaultMapper.store_layout(machine, variant, store)
    }

    fn num_pieces(&self, machine: &Machine, variant: VariantKind) -> usize {
        DefaultMapper.num_pieces(machine, variant)
    }

    fn min_piece_volume(&self, machine: &Machine, variant: VariantKind) -> u64 {
        DefaultMapper.min_piece_volume(machine, variant)
    }

    fn shard(&self, machine: &Machine, point: &[i64], launch: &[u64]) -> usize {
        DefaultMapper.shard(machine, point, launch)
    }

    fn tunable(&self, machine: &Machine, id: u32) -> Option<i64> {
        DefaultMapper.tunable(machine, id)
    }
}

#[test]
fn omp_groups_run_the_omp_variants_with_the_same_results() {
    for ompthreads in [1, 2] {
        let mut config = Config::with_cpus(1);
        config.omps = 2;
        config.ompthreads = ompthreads;
        config.min_cpu_chunk = 1;
        config.min_omp_chunk = 1;
        let mapper = Arc::new(RecordingMapper::default());
        let rt = Runtime::with_mapper(config, Arc::clone(&mapper) as Arc<dyn Mapper>).unwrap();
        let hello = Hello::new(&rt).unwrap();

        let before = rt.stats().point_tasks;
        let x = hello.iota(1000).unwrap();
        let xs: Vec<f64> = (1..=1000).map(f64::from).collect();
        assert_eq!(values::<f64>(&x), xs);
        assert_eq!(
            rt.stats().point_tasks - before,
            2,
            "one piece per OMP group"
        );

        let y = hello.square(&x).unwrap();
        let want: Vec<f64> = xs.iter().map(|x| x * x).collect();
        assert_eq!(values::<f64>(&y), want);
        assert_eq!(
            hello.sum(&x).unwrap().read_scalar::<f64>().unwrap(),
            500_500.0
        );
        let var = hello.variance(&x).unwrap().read_scalar::<f64>().unwrap();
        assert_close(var, two_pass_variance(&xs), "variance on OMP groups");
        // A non-contiguous view: the OMP square takes its sequential path.
        let odd = x.slice(0, None, None, 2).unwrap();
        let odd_sq = hello.square(&odd).unwrap();
        let want: Vec<f64> = xs.iter().step_by(2).map(|x| x * x).collect();
        assert_eq!(values::<f64>(&odd_sq), want);

        for task in ["iota", "square", "sum"] {
            let picks = mapper.variants_of(task);
            assert!(!picks.is_empty(), "{task} was launched");
            assert!(
                picks.iter().all(|&v| v == VariantKind::Omp),
                "{task} ran {picks:?} with {ompthreads} threads per group"
            );
        }
        // Tasks with only a CPU variant still run, on the one CPU.
        assert!(mapper
            .variants_of("variance")
            .iter()
            .all(|&v| v == VariantKind::Cpu));
        let ran_on = hello.print_hello("from beside the OMP groups", 3).unwrap();
        assert_eq!(values::<i64>(&ran_on), vec![0, 0, 0]);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn square_and_sum_agree_with_sequential_code_on_any_data(
        xs in prop::collection::vec(-1.0e6f64..1.0e6, 0..200),
        cpus in prop::sample::select(CPU_COUNTS.to_vec()),
    ) {
        let rt = runtime(cpus);
        let hello = Hello::new(&rt).unwrap();
        let x = rt.store_from_vec(xs.clone(), &[xs.len() as u64]).unwrap();
        let squares: Vec<f64> = xs.iter().map(|x| x * x).collect();
        prop_assert_eq!(values::<f64>(&hello.square(&x).unwrap()), squares.clone());
        // Pieces add in another order than the sequential loop: equal up to rounding.
        let total = hello.sum(&x).unwrap().read_scalar::<f64>().unwrap();
        let scale: f64 = xs.iter().map(|x| x.abs()).sum();
        prop_assert!((total - xs.iter().sum::<f64>()).abs() <= 1e-12 * scale.max(1.0));
        if !xs.is_empty() {
            let var = hello.variance(&x).unwrap().read_scalar::<f64>().unwrap();
            let sq_scale: f64 = squares.iter().sum::<f64>() / xs.len() as f64;
            prop_assert!((var - two_pass_variance(&xs)).abs() <= 1e-9 * sq_scale.max(1.0));
        }
    }
}

/// `sum_of_squares` fuses its square into its sum: the squares are never written (with
/// fusion on), and the total is the sequential one on every machine, fused or not.
#[test]
fn sum_of_squares_never_writes_the_squares() {
    let xs: Vec<f64> = (0..3001).map(|i| f64::from(i % 97) * 0.5 - 20.0).collect();
    let want: f64 = xs.iter().map(|x| x * x).sum();
    for cpus in CPU_COUNTS {
        for fusion in [true, false] {
            let mut config = Config::with_cpus(cpus);
            config.min_cpu_chunk = 1;
            config.fusion = fusion;
            let rt = Runtime::new(config).unwrap();
            let hello = Hello::new(&rt).unwrap();
            let x = rt.store_from_vec(xs.clone(), &[3001]).unwrap();
            rt.fence().unwrap();
            let before = rt.stats();
            let total = hello.sum_of_squares(&x).unwrap();
            let got = total.read_scalar::<f64>().unwrap();
            assert!(
                (got - want).abs() <= 1e-9 * want,
                "{cpus} CPUs, fusion {fusion}: {got}"
            );
            let s = rt.stats();
            let elided = s.temporaries_elided - before.temporaries_elided;
            assert_eq!(elided, u64::from(fusion), "{cpus} CPUs, fusion {fusion}");
            // A store of another type is refused and nothing is issued.
            let ints = rt.store_from_vec(vec![1i64, 2], &[2]).unwrap();
            assert!(matches!(
                hello.sum_of_squares(&ints),
                Err(Error::TypeMismatch { .. })
            ));
        }
    }
}
