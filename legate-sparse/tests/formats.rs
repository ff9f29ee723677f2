//! CSC, COO and DIA against `sprs` and SciPy's definitions, conversions among all
//! formats, and Matrix Market files read and written.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use legate_core::num_complex::Complex;
use legate_core::{Config, Error, Runtime, Type};
use legate_dense::Dense;
use legate_sparse::io::{mmread, mmwrite, mmwrite_dense, MatrixMarket};
use legate_sparse::{CooMatrix, CscMatrix, CsrMatrix, DiaMatrix, Sparse, SparseMatrix};

fn sparse(cpus: usize) -> Arc<Sparse> {
    let mut config = Config::with_cpus(cpus);
    config.min_cpu_chunk = 1;
    Sparse::new(&Dense::new(&Runtime::new(config).unwrap()).unwrap()).unwrap()
}

fn sample(sp: &Arc<Sparse>) -> CsrMatrix {
    // [[1, 0, 2, 0], [0, 0, 0, 0], [3, 4, 0, 5]]
    CsrMatrix::from_triplets(
        sp,
        [3, 4],
        &[2, 0, 2, 0, 2],
        &[0, 0, 1, 2, 3],
        &[3.0, 1.0, 4.0, 2.0, 5.0],
    )
    .unwrap()
}

const DENSE: [f64; 12] = [1.0, 0.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 3.0, 4.0, 0.0, 5.0];

#[test]
fn every_format_converts_to_every_other_and_back() {
    for cpus in [1, 2, 4] {
        let sp = sparse(cpus);
        let a = sample(&sp);
        let csc = a.to_csc().unwrap();
        assert_eq!((csc.shape(), csc.nnz(), csc.format()), ([3, 4], 5, "csc"));
        assert_eq!(
            csc.indptr().unwrap().to_vec::<i32>().unwrap(),
            vec![0, 2, 3, 4, 5]
        );
        assert_eq!(csc.indices().to_vec::<i32>().unwrap(), vec![0, 2, 2, 0, 2]);
        assert_eq!(
            csc.data().to_vec::<f64>().unwrap(),
            vec![1.0, 3.0, 4.0, 2.0, 5.0]
        );
        assert_eq!(
            csc.to_sprs::<f64>().unwrap(),
            a.to_sprs::<f64>().unwrap().to_csc()
        );
        assert_eq!(
            csc.to_dense().unwrap().to_vec::<f64>().unwrap(),
            DENSE.to_vec()
        );
        assert_eq!(
            csc.to_csr().unwrap().to_sprs::<f64>().unwrap(),
            a.to_sprs::<f64>().unwrap()
        );
        assert_eq!(csc.transpose().shape(), [4, 3]);
        let x = sp.dense().from_vec(vec![1.0, 2.0, 3.0, 4.0], &[4]).unwrap();
        assert_eq!(
            csc.dot(&x).unwrap().to_vec::<f64>().unwrap(),
            vec![7.0, 0.0, 31.0]
        );
        let built = CscMatrix::from_csc_vecs(
            &sp,
            [3, 4],
            &[0, 2, 3, 4, 5],
            &[0, 2, 2, 0, 2],
            &[1.0, 3.0, 4.0, 2.0, 5.0],
        )
        .unwrap();
        assert_eq!(
            built.to_dense().unwrap().to_vec::<f64>().unwrap(),
            DENSE.to_vec()
        );
        let built = CscMatrix::from_triplets(&sp, [3, 4], &[2, 0], &[3, 0], &[5.0, 1.0]).unwrap();
        assert_eq!(
            built.to_csr().unwrap().to_triplets::<f64>().unwrap(),
            (vec![0, 2], vec![0, 3], vec![1.0, 5.0])
        );

        let coo = a.to_coo().unwrap();
        assert_eq!((coo.shape(), coo.nnz(), coo.format()), ([3, 4], 5, "coo"));
        assert_eq!(
            coo.to_triplets::<f64>().unwrap(),
            a.to_triplets::<f64>().unwrap()
        );
        assert_eq!(coo.transpose().to_dense().unwrap().shape(), vec![4, 3]);
        // Unsorted triplets with duplicates sum on the way to CSR.
        let dup = CooMatrix::from_triplets(&sp, [2, 2], &[1, 0, 1], &[1, 0, 1], &[1.0, 2.0, 3.0])
            .unwrap();
        assert_eq!(dup.nnz(), 3);
        assert_eq!(
            dup.to_csr().unwrap().to_triplets::<f64>().unwrap(),
            (vec![0, 1], vec![0, 1], vec![2.0, 4.0])
        );
        assert!(matches!(
            CooMatrix::from_triplets(&sp, [2, 2], &[2], &[0], &[1.0]),
            Err(Error::IndexOutOfBounds { .. })
        ));
        // Triplets held as arrays are kept as given (nothing copied), and checked on the
        // way to CSR.
        let d = sp.dense();
        let (r, c) = (
            d.from_vec(vec![1i64, 0, 1], &[3]).unwrap(),
            d.from_vec(vec![1i64, 0, 1], &[3]).unwrap(),
        );
        let v = d.from_vec(vec![1.0, 2.0, 3.0], &[3]).unwrap();
        let held = CooMatrix::from_arrays(&sp, [2, 2], r.clone(), c.clone(), v.clone()).unwrap();
        assert!(held.data().shares_storage(&v));
        assert_eq!(
            held.to_csr().unwrap().to_triplets::<f64>().unwrap(),
            (vec![0, 1], vec![0, 1], vec![2.0, 4.0])
        );
        let short = d.from_vec(vec![0i64, 1], &[2]).unwrap();
        assert!(matches!(
            CooMatrix::from_arrays(&sp, [2, 2], short, c.clone(), v.clone()),
            Err(Error::InvalidArgument { .. })
        ));
        assert!(matches!(
            CooMatrix::from_arrays(&sp, [2, 2], v.clone(), c.clone(), v.clone()),
            Err(Error::TypeMismatch { .. })
        ));
        let far = CooMatrix::from_arrays(&sp, [1, 2], r, c, v).unwrap();
        assert!(matches!(far.to_csr(), Err(Error::IndexOutOfBounds { .. })));

        let dia = a.to_dia().unwrap();
        assert_eq!(dia.format(), "dia");
        assert_eq!(dia.offsets(), &[-2, -1, 0, 1, 2][..]);
        assert_eq!(
            dia.to_dense().unwrap().to_vec::<f64>().unwrap(),
            DENSE.to_vec()
        );
        assert_eq!(
            dia.dot(&x).unwrap().to_vec::<f64>().unwrap(),
            vec![7.0, 0.0, 31.0]
        );
        // SciPy: dia_array((data, offsets), shape) with data[i, j] at column j.
        let d = DiaMatrix::new(
            &sp,
            &[vec![1.0, 2.0, 3.0, 4.0], vec![5.0, 6.0, 7.0, 8.0]],
            &[0, 1],
            [4, 4],
        )
        .unwrap();
        assert_eq!(d.nnz(), 7);
        assert_eq!(
            d.to_dense().unwrap().to_vec::<f64>().unwrap(),
            vec![1.0, 6.0, 0.0, 0.0, 0.0, 2.0, 7.0, 0.0, 0.0, 0.0, 3.0, 8.0, 0.0, 0.0, 0.0, 4.0]
        );
        assert!(DiaMatrix::new(&sp, &[vec![1.0], vec![1.0, 2.0]], &[0, 1], [2, 2]).is_err());
    }
}

fn temp(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("legate-sparse-{}-{name}", std::process::id()))
}

#[test]
fn matrix_market_files_round_trip() {
    let sp = sparse(2);
    let a = sample(&sp);
    let path = temp("a.mtx");
    mmwrite(&path, &a).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("%%MatrixMarket matrix coordinate real general\n3 4 5\n1 1 "));
    let MatrixMarket::Sparse(back) = mmread(&sp, &path).unwrap() else {
        panic!("not sparse")
    };
    assert_eq!(
        back.to_csr().unwrap().to_sprs::<f64>().unwrap(),
        a.to_sprs::<f64>().unwrap()
    );
    // Integer and complex fields keep their types.
    let ints = a.astype(Type::Int64).unwrap();
    mmwrite(&path, &ints).unwrap();
    let MatrixMarket::Sparse(back) = mmread(&sp, &path).unwrap() else {
        panic!("not sparse")
    };
    assert_eq!(back.dtype(), Type::Int64);
    let cplx = a.astype(Type::Complex128).unwrap();
    mmwrite(&path, &cplx).unwrap();
    let MatrixMarket::Sparse(back) = mmread(&sp, &path).unwrap() else {
        panic!("not sparse")
    };
    assert_eq!(back.dtype(), Type::Complex128);
    assert_eq!(
        back.to_dense().unwrap().to_vec::<Complex<f64>>().unwrap()[2],
        Complex::new(2.0, 0.0)
    );
    // Dense arrays as `array` files (column-major).
    let d = a.to_dense().unwrap();
    mmwrite_dense(&path, &d).unwrap();
    let MatrixMarket::Dense(back) = mmread(&sp, &path).unwrap() else {
        panic!("not dense")
    };
    assert_eq!(back.to_vec::<f64>().unwrap(), DENSE.to_vec());
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn matrix_market_symmetry_patterns_and_bad_files() {
    let sp = sparse(1);
    let path = temp("sym.mtx");
    std::fs::write(&path, "%%MatrixMarket matrix coordinate real symmetric\n% a comment\n3 3 3\n1 1 2.0\n3 1 -1.5\n\n2 2 4\n").unwrap();
    let MatrixMarket::Sparse(m) = mmread(&sp, &path).unwrap() else {
        panic!("not sparse")
    };
    assert_eq!(
        m.to_dense().unwrap().to_vec::<f64>().unwrap(),
        vec![2.0, 0.0, -1.5, 0.0, 4.0, 0.0, -1.5, 0.0, 0.0]
    );
    std::fs::write(
        &path,
        "%%MatrixMarket matrix coordinate pattern skew-symmetric\n2 2 1\n2 1\n",
    )
    .unwrap();
    let MatrixMarket::Sparse(m) = mmread(&sp, &path).unwrap() else {
        panic!("not sparse")
    };
    assert_eq!(
        m.to_dense().unwrap().to_vec::<f64>().unwrap(),
        vec![0.0, -1.0, 1.0, 0.0]
    );
    std::fs::write(
        &path,
        "%%MatrixMarket matrix coordinate complex hermitian\n2 2 1\n2 1 1.0 2.0\n",
    )
    .unwrap();
    let MatrixMarket::Sparse(m) = mmread(&sp, &path).unwrap() else {
        panic!("not sparse")
    };
    assert_eq!(
        m.to_dense().unwrap().to_vec::<Complex<f64>>().unwrap(),
        vec![
            Complex::new(0.0, 0.0),
            Complex::new(1.0, -2.0),
            Complex::new(1.0, 2.0),
            Complex::new(0.0, 0.0)
        ]
    );
    std::fs::write(
        &path,
        "%%MatrixMarket matrix array real symmetric\n2 2\n1\n2\n3\n",
    )
    .unwrap();
    let MatrixMarket::Dense(d) = mmread(&sp, &path).unwrap() else {
        panic!("not dense")
    };
    assert_eq!(d.to_vec::<f64>().unwrap(), vec![1.0, 2.0, 2.0, 3.0]);
    for bad in [
        "%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1.0\n",
        "%%MatrixMarket matrix coordinate real general\n2 2 1\n3 1 1.0\n",
        "%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1 x\n",
        "%%MatrixMarket matrix coordinate real sideways\n2 2 0\n",
        "%%MatrixMarket vector coordinate real general\n2 2 0\n",
        "not a header\n",
        "%%MatrixMarket matrix coordinate real general\n2 two 0\n",
    ] {
        std::fs::write(&path, bad).unwrap();
        assert!(
            matches!(mmread(&sp, &path), Err(Error::Io { .. })),
            "{bad:?}"
        );
    }
    std::fs::remove_file(&path).unwrap();
    assert!(matches!(
        mmread(&sp, temp("missing.mtx")),
        Err(Error::Io { .. })
    ));
}
