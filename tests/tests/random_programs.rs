//! probe
use legate_core::{Config, Runtime, Scalar};

#[test]
fn probe_copy_same_view() {
    let mut config = Config::with_cpus(2);
    config.min_cpu_chunk = 1;
    let rt = Runtime::new(config).unwrap();
    let a = rt
        .store_from_vec(vec![1.0f64, 2.0, 3.0, 4.0], &[4])
        .unwrap();
    rt.copy(&a, &a).unwrap();
    println!("{:?}", rt.fence());
    let v = a.slice(0, Some(1), None, 1).unwrap();
    rt.fill(&v, Scalar::new(0.0f64)).unwrap();
    println!("{:?}", a.read::<f64>());
}
