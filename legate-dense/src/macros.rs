//! Macros shared by the task modules: type dispatch and the CPU/OMP element-wise loop.
//! Declared first in `lib.rs`, so every module may use them.

/// Runs an element-wise `Zip` on the threads of the task's OMP group (the OMP variant),
/// or on this thread (the CPU variant).
macro_rules! run_zip {
    ($ctx:expr, $zip:expr, $f:expr) => {
        match $ctx.pool() {
            Some(pool) => pool.install(|| $zip.par_for_each($f)),
            None => $zip.for_each($f),
        }
    };
}

/// Calls `$f::<T>($args)` with `T` the Rust type of the [`legate_core::Type`] `$ty`.
macro_rules! dispatch {
    ($ty:expr, $f:ident ( $($arg:expr),* )) => {
        match $ty {
            legate_core::Type::Bool => $f::<bool>($($arg),*),
            legate_core::Type::Int8 => $f::<i8>($($arg),*),
            legate_core::Type::Int16 => $f::<i16>($($arg),*),
            legate_core::Type::Int32 => $f::<i32>($($arg),*),
            legate_core::Type::Int64 => $f::<i64>($($arg),*),
            legate_core::Type::UInt8 => $f::<u8>($($arg),*),
            legate_core::Type::UInt16 => $f::<u16>($($arg),*),
            legate_core::Type::UInt32 => $f::<u32>($($arg),*),
            legate_core::Type::UInt64 => $f::<u64>($($arg),*),
            legate_core::Type::Float16 => $f::<legate_core::half::f16>($($arg),*),
            legate_core::Type::Float32 => $f::<f32>($($arg),*),
            legate_core::Type::Float64 => $f::<f64>($($arg),*),
            legate_core::Type::Complex64 => $f::<num_complex::Complex<f32>>($($arg),*),
            legate_core::Type::Complex128 => $f::<num_complex::Complex<f64>>($($arg),*),
        }
    };
}
