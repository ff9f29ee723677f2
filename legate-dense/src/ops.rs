//! Element-wise operations (ufuncs) with broadcasting and NumPy 2 type promotion, and
//! reductions along axes.

use legate_core::{broadcast, Error, LogicalStore, ReductionOp, Result, Scalar, Type};
use num_complex::Complex;

use crate::array::{to_u64, Array};
use crate::chain::{binary_chain, fold_chain, scalar_chain, unary_chain};
use crate::dtype::{self, ScalarKind};
use crate::fused::{binary_kernel, fold_kernel, scalar_kernel, unary_kernel, where_kernel};
use crate::kernels::{has_binary, has_unary, BinaryOp, UnaryOp};
use crate::tasks::{ids, REDUCTION_OPS};
use crate::views::{broadcast_shapes, normalize_axis};

/// A Python-like scalar operand: it takes the array's type where NumPy 2 lets it (NEP 50).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Operand {
    /// `True` / `False`
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A complex number.
    Complex(Complex<f64>),
}

impl Operand {
    fn kind(self) -> ScalarKind {
        match self {
            Operand::Bool(_) => ScalarKind::Bool,
            Operand::Int(_) => ScalarKind::Int,
            Operand::Float(_) => ScalarKind::Float,
            Operand::Complex(_) => ScalarKind::Complex,
        }
    }

    fn scalar(self) -> Scalar {
        match self {
            Operand::Bool(v) => Scalar::new(v),
            Operand::Int(v) => Scalar::new(v),
            Operand::Float(v) => Scalar::new(v),
            Operand::Complex(v) => Scalar::new(v),
        }
    }
}

macro_rules! operand_from {
    ($($t:ty => $v:ident as $u:ty),*) => {$(
        impl From<$t> for Operand {
            fn from(v: $t) -> Self {
                Operand::$v(v as $u)
            }
        }
    )*};
}
operand_from!(i32 => Int as i64, i64 => Int as i64, u32 => Int as i64, f32 => Float as f64, f64 => Float as f64);

impl From<bool> for Operand {
    fn from(v: bool) -> Self {
        Operand::Bool(v)
    }
}

impl From<Complex<f64>> for Operand {
    fn from(v: Complex<f64>) -> Self {
        Operand::Complex(v)
    }
}

/// The type an operator computes in, for operands of type `ty`.
fn compute_type(op: BinaryOp, ty: Type) -> Type {
    let exact = ty.is_integer() || ty.is_bool();
    match op {
        BinaryOp::FloatPower if ty.is_complex() => Type::Complex128,
        BinaryOp::FloatPower => Type::Float64,
        BinaryOp::TrueDivide => dtype::true_divide_type(ty),
        // NumPy's first float loop the type casts to safely: float16 for booleans and
        // 8-bit integers, float32 for 16-bit ones, float64 for wider ones.
        op if op.needs_float() && exact => dtype::promote_types(ty, Type::Float16),
        // Booleans have no loop for these; NumPy computes them in int8.
        BinaryOp::FloorDivide
        | BinaryOp::Remainder
        | BinaryOp::Power
        | BinaryOp::Fmod
        | BinaryOp::LeftShift
        | BinaryOp::RightShift
            if ty.is_bool() =>
        {
            Type::Int8
        }
        _ => ty,
    }
}

fn negative_integer_power() -> Error {
    Error::InvalidArgument {
        what: "Integers to negative integer powers are not allowed.".into(),
    }
}

/// The type of `op`'s result when it computes in `ty` (booleans for comparisons).
fn result_type(op: BinaryOp, ty: Type) -> Type {
    if op.is_comparison() {
        Type::Bool
    } else {
        ty
    }
}

/// An error unless `ty` has a loop for `op` (checked before launching, so a bad type is
/// reported at the call, not at the next wait).
fn check_binary(op: BinaryOp, ty: Type) -> Result<()> {
    if dispatch!(ty, has_binary(op)) {
        Ok(())
    } else {
        Err(Error::UnsupportedType { op: op.name(), ty })
    }
}

/// An error unless `out`'s type can hold a result of type `result` (NumPy's
/// `casting='same_kind'` for `out=` and in-place operators).
fn check_out_cast(result: Type, out: Type) -> Result<()> {
    if dtype::can_cast(result, out, dtype::Casting::SameKind) {
        Ok(())
    } else {
        Err(Error::TypeMismatch {
            expected: out,
            found: result,
        })
    }
}

/// Results per processor from which a reduction along an axis keeps that axis whole in
/// every piece (see [`Array::reduce`]).
const REDUCE_LAST_MIN_RESULTS: usize = 1024;

/// The shortest run along the innermost dimensions for which a reduction along an axis of
/// an input in memory is fused (see [`innermost_run`]); lanes shorter than this fold in
/// order from the identity, fused or not (legate-core's flat walks fold short runs row by
/// row with the operator), so both give the same values.
pub(crate) const FUSED_RUN_MIN: usize = 256;

/// How a reduction along `axis` of an array of `shape` walks its input: the length of the
/// runs along the innermost dimensions of extent over 1 that are all reduced or all kept,
/// and whether they are reduced (each run folds into one element of the result) or kept
/// (into a run of it). `None` when every extent is 1. Over an input in memory, runs of
/// [`FUSED_RUN_MIN`] or more fold at memory speed fused; over short ones (`sum(axis=-1)`
/// of `(n, 3)`) the reduction task's lane folds are faster.
fn innermost_run(shape: &[usize], axis: usize) -> Option<(usize, bool)> {
    let mut dims = (0..shape.len()).rev().filter(|&d| shape[d] > 1);
    let last = dims.next()?;
    let reduced = last == axis;
    let run: usize = shape[last]
        * dims
            .take_while(|&d| (d == axis) == reduced)
            .map(|d| shape[d])
            .product::<usize>();
    Some((run, reduced))
}

/// The cut of a reduction along `axis` (of an array of `shape`, not empty) into bands of
/// the axis, one per processor (fewer where a band would hold fewer values than the
/// runtime's smallest CPU piece): each point folds its band into one row of partial
/// results, and one more point folds the rows.
pub(crate) struct Bands {
    axis: usize,
    /// How many bands.
    pub(crate) count: usize,
    /// The launch domain: `count` colors along the axis, one along every other.
    pub(crate) colors: Vec<u64>,
    /// The input's tile: a band of the axis, whole in the other dimensions.
    pub(crate) tile: Vec<u64>,
    /// The tile of the partial results: one row (extent 1 along the axis).
    pub(crate) row: Vec<u64>,
}

impl Bands {
    pub(crate) fn of(dense: &crate::Dense, shape: &[usize], axis: usize) -> Bands {
        let lane = shape.iter().product::<usize>() / shape[axis].max(1);
        let min_rows = (dense.rt.config().min_cpu_chunk as usize)
            .div_ceil(lane.max(1))
            .max(1);
        let count = processors(dense).min(shape[axis].div_ceil(min_rows)).max(1);
        let band = shape[axis].div_ceil(count).max(1);
        let count = shape[axis].div_ceil(band).max(1);
        let whole: Vec<u64> = shape.iter().map(|&e| e as u64).collect();
        let mut tile = whole.clone();
        tile[axis] = band as u64;
        let mut row = whole;
        row[axis] = 1;
        let mut colors = vec![1u64; shape.len()];
        colors[axis] = count as u64;
        Bands {
            axis,
            count,
            colors,
            tile,
            row,
        }
    }

    /// The shape of the partial results: `count` rows along the axis.
    pub(crate) fn partial_shape(&self, shape: &[usize]) -> Vec<usize> {
        let mut partial = shape.to_vec();
        partial[self.axis] = self.count;
        partial
    }
}

impl Array {
    /// `op(self, other)` element by element, broadcasting both and promoting their types
    /// as NumPy does.
    pub fn binary(&self, op: BinaryOp, other: &Array) -> Result<Array> {
        let shape = broadcast_shapes(&self.shape(), &other.shape())?;
        let ty = compute_type(op, dtype::promote_types(self.dtype(), other.dtype()));
        let out_ty = result_type(op, ty);
        let out = self.dense.empty(&shape, out_ty)?;
        self.binary_into(op, other, ty, &out)?;
        Ok(out)
    }

    /// `op(self, other)` written into `out` (NumPy's `out=`; `out` may alias the inputs).
    pub fn binary_out(&self, op: BinaryOp, other: &Array, out: &Array) -> Result<()> {
        let ty = compute_type(op, dtype::promote_types(self.dtype(), other.dtype()));
        let shape = broadcast_shapes(&self.shape(), &other.shape())?;
        if broadcast_shapes(&shape, &out.shape())? != out.shape() {
            return Err(crate::views::broadcast_error(&shape, &out.shape()));
        }
        let result_ty = result_type(op, ty);
        check_out_cast(result_ty, out.dtype())?;
        let into_input =
            out.store.same_storage(&self.store) || out.store.same_storage(&other.store);
        if result_ty == out.dtype() && !(op.is_comparison() && into_input) {
            return self.binary_into(op, other, ty, out);
        }
        // Cast on the way out (NumPy's same_kind casting of the result).
        let tmp = self.binary(op, other)?;
        out.assign(&tmp)
    }

    fn binary_into(&self, op: BinaryOp, other: &Array, ty: Type, out: &Array) -> Result<()> {
        check_binary(op, ty)?;
        if op == BinaryOp::Power && ty.is_integer() {
            other.check_nonnegative_exponents()?;
        }
        let shape = out.shape();
        let a = self.as_type(ty)?.broadcast_to(&shape)?;
        let b = other.as_type(ty)?.broadcast_to(&shape)?;
        let kernel = dispatch!(ty, binary_kernel(op))?;
        let chain = dispatch!(ty, binary_chain(op));
        self.dense
            .issue_elementwise(kernel, chain, &[&a.store, &b.store], &out.store)
    }

    /// `op(self, value)` (or `op(value, self)` when `reversed`), the scalar taking the
    /// array's type where NumPy 2 lets it (`uint8 + 1` stays `uint8`).
    pub fn binary_scalar(
        &self,
        op: BinaryOp,
        value: impl Into<Operand>,
        reversed: bool,
    ) -> Result<Array> {
        let value = value.into();
        let (ty, out_ty) = self.scalar_types(op, value)?;
        let out = self.dense.empty(&self.shape(), out_ty)?;
        self.binary_scalar_into(op, value, reversed, ty, &out)?;
        Ok(out)
    }

    /// The type `op(self, value)` computes in and the type of its result (NEP 50: the
    /// scalar is weak; an integer that does not fit the array's type is an error).
    fn scalar_types(&self, op: BinaryOp, value: Operand) -> Result<(Type, Type)> {
        if let Operand::Int(v) = value {
            dtype::check_weak_int(self.dtype(), i128::from(v))?;
        }
        let ty = compute_type(op, dtype::promote_weak(self.dtype(), value.kind()));
        Ok((ty, result_type(op, ty)))
    }

    /// `op(self, value)` computed in type `ty`, written into `out` of this array's shape.
    fn binary_scalar_into(
        &self,
        op: BinaryOp,
        value: Operand,
        reversed: bool,
        ty: Type,
        out: &Array,
    ) -> Result<()> {
        check_binary(op, ty)?;
        if op == BinaryOp::Power && ty.is_integer() {
            match (reversed, value) {
                (false, Operand::Int(v)) if v < 0 => return Err(negative_integer_power()),
                (true, _) => self.check_nonnegative_exponents()?,
                _ => {}
            }
        }
        let a = self.as_type(ty)?;
        let s = value.scalar().cast(ty);
        let kernel = dispatch!(ty, scalar_kernel(op, s, reversed))?;
        let chain = dispatch!(ty, scalar_chain(op, s, reversed));
        self.dense
            .issue_elementwise(kernel, chain, &[&a.store], &out.store)
    }

    /// NumPy's refusal of integer powers with a negative exponent: an error when this
    /// array, the exponents of an integer `power`, holds a negative value (which reads it).
    fn check_nonnegative_exponents(&self) -> Result<()> {
        let ty = self.dtype();
        if !ty.is_integer() || ty.is_unsigned() || self.size() == 0 {
            return Ok(());
        }
        let negative = self
            .binary_scalar(BinaryOp::Less, 0i64, false)?
            .any(None, false)?;
        if negative.item::<bool>()? {
            return Err(negative_integer_power());
        }
        Ok(())
    }

    /// `op(self)` element by element (integers go to float64 for transcendental functions;
    /// predicates such as `isnan` give booleans; `absolute`, `real`, `imag` and `angle` of
    /// complex numbers give their real type).
    pub fn unary(&self, op: UnaryOp) -> Result<Array> {
        let ty = self.dtype();
        let compute = if op.is_transcendental() && (ty.is_integer() || ty.is_bool()) {
            // NumPy's first loop the type casts to safely: float16 for booleans and 8-bit
            // integers, float32 for 16-bit ones, float64 for wider ones.
            dtype::promote_types(ty, Type::Float16)
        } else if ty.is_bool()
            && matches!(
                op,
                UnaryOp::Square | UnaryOp::Reciprocal | UnaryOp::Conjugate
            )
        {
            Type::Int8 // no boolean loop: NumPy's next one
        } else {
            ty
        };
        if !dispatch!(compute, has_unary(op)) {
            return Err(Error::UnsupportedType { op: op.name(), ty });
        }
        let out_ty = if op.is_predicate() {
            Type::Bool
        } else {
            compute
        };
        let a = self.as_type(compute)?;
        let out = self.dense.empty(&self.shape(), out_ty)?;
        let kernel = dispatch!(compute, unary_kernel(op))?;
        let chain = dispatch!(compute, unary_chain(op));
        self.dense
            .issue_elementwise(kernel, chain, &[&a.store], &out.store)?;
        if compute.is_complex() && op.is_real_of_complex() {
            return out.astype(crate::linalg::real_type(compute));
        }
        Ok(out)
    }

    /// `op(self)` written into `out` (NumPy's `out=`; `out` may be `self`, and its type
    /// must hold the result under `same_kind` casting).
    pub fn unary_out(&self, op: UnaryOp, out: &Array) -> Result<()> {
        let result = self.unary(op)?;
        check_out_cast(result.dtype(), out.dtype())?;
        out.assign(&result)
    }

    /// `self op= other` (NumPy's in-place operators, e.g. `a += b` is
    /// `a.binary_inplace(BinaryOp::Add, &b)`): `other` broadcasts to this array's shape and
    /// the result must cast to its type under `same_kind` (`int += float` is a type error).
    pub fn binary_inplace(&self, op: BinaryOp, other: &Array) -> Result<()> {
        self.binary_out(op, other, self)
    }

    /// `self op= value` with a Python-like scalar (`a *= 2.5`).
    pub fn binary_scalar_inplace(&self, op: BinaryOp, value: impl Into<Operand>) -> Result<()> {
        let value = value.into();
        let (ty, result_ty) = self.scalar_types(op, value)?;
        check_out_cast(result_ty, self.dtype())?;
        if result_ty == self.dtype() && !op.is_comparison() {
            // One pass over the array, reading and writing each piece in place.
            return self.binary_scalar_into(op, value, false, ty, self);
        }
        let result = self.binary_scalar(op, value, false)?;
        self.assign(&result)
    }

    /// `self[...] = value`: writes `value`, broadcast to this array's shape and cast to
    /// its type, through this view.
    pub fn assign(&self, value: &Array) -> Result<()> {
        let v = value.as_type(self.dtype())?.broadcast_to(&self.shape())?;
        self.dense.rt.copy(&v.store, &self.store)
    }

    /// Reduces with `op` over `axis` (all axes when `None`), keeping reduced axes as
    /// extent 1 when `keepdims`. The result has type `ty`.
    ///
    /// A whole-array reduction, and one along an axis of an input still deferred, is a
    /// deferred operation that fuses with the element-wise kernel computing its input
    /// (`(a * b).sum(axis=1)` and k-means' `(d * d).sum(axis=2)` never write their
    /// input): along an axis, the result is promoted back to the input's shape and every
    /// value folded into the element it reduces into. Over an input already in memory,
    /// only a reduction along a kept innermost axis with long runs ([`innermost_run`])
    /// fuses; the reduction task's lane folds are faster for the others.
    ///
    /// Otherwise, along an axis, a result with at least [`REDUCE_LAST_MIN_RESULTS`]
    /// elements per processor is cut and each piece reduces whole lanes; a smaller one
    /// (`mean(x, axis=0)` of a tall-skinny `x`) cuts the reduced axis in bands, one per
    /// processor, each folding its band into a row of partial results that one last point
    /// folds.
    pub(crate) fn reduce(
        &self,
        op: ReductionOp,
        axis: Option<isize>,
        keepdims: bool,
        ty: Type,
    ) -> Result<Array> {
        let x = self.as_type(ty)?;
        let code =
            REDUCTION_OPS
                .iter()
                .position(|&o| o == op)
                .ok_or_else(|| Error::NotImplemented {
                    what: format!("{} reductions", op.name()),
                })? as u8;
        let identity = op.identity(ty)?;
        let shape = self.shape();
        let rt = &self.dense.rt;
        // Along the one axis of a vector is the whole-array reduction (which fuses).
        let axis = match axis {
            Some(a) if shape.len() == 1 => {
                normalize_axis(a, 1)?;
                None
            }
            other => other,
        };
        let fused = |target: &LogicalStore| -> Result<()> {
            let fold = dispatch!(ty, fold_kernel(op))?;
            match dispatch!(ty, fold_chain(op)) {
                Some(c) => rt.elementwise_reduce_composable(fold, c, &x.store, op, target)?,
                None => rt.elementwise_reduce(fold, &x.store, op, target)?,
            }
            Ok(())
        };
        match axis {
            None => {
                let out = rt.create_scalar_store(identity)?;
                fused(&out)?;
                let out = Array::new(&self.dense, out);
                if keepdims {
                    return out.reshape(&vec![1; shape.len()]);
                }
                Ok(out)
            }
            Some(axis) => {
                let axis = normalize_axis(axis, shape.len())?;
                let mut reduced = shape.clone();
                reduced.remove(axis);
                let out = self.dense.empty(&reduced, ty)?;
                // An input still deferred is never written: its values fold as they are
                // computed, over long runs or short ones (a flat walk). Over an input
                // already in memory, the reduction task is faster folding whole lanes (the
                // innermost axis reduced) or short runs.
                let fuses = innermost_run(&shape, axis).is_some_and(|(run, reduced)| {
                    rt.is_deferred(&x.store) || (run >= FUSED_RUN_MIN && !reduced)
                });
                if x.size() > 0 && fuses {
                    out.fill(identity)?;
                    let kept = out.expand_dims(axis as isize)?;
                    fused(&kept.broadcast_to(&shape)?.store)?;
                    return if keepdims { Ok(kept) } else { Ok(out) };
                }
                if out.size() >= REDUCE_LAST_MIN_RESULTS * processors(&self.dense) {
                    // Enough results to cut: the axis goes last and stays whole in every
                    // piece, each point writing the results of its lanes (no accumulator).
                    let last = shape.len() - 1;
                    let x = x.moveaxis(axis as isize, last as isize)?;
                    let mut task = rt.create_auto_task(&self.dense.lib, ids::REDUCE_LAST)?;
                    let vx = task.add_input(&x.store);
                    task.add_output(&out.store);
                    task.add_constraint(broadcast(vx, &[last]));
                    task.add_scalar_arg(code);
                    task.execute()?;
                    if keepdims {
                        return out.expand_dims(axis as isize);
                    }
                    return Ok(out);
                }
                let kept = out.expand_dims(axis as isize)?;
                if x.size() > 0 {
                    self.reduce_in_bands(&x, axis, code, &kept)?;
                } else {
                    out.fill(identity)?;
                }
                if keepdims {
                    return Ok(kept);
                }
                Ok(out)
            }
        }
    }

    /// Reduces `x` along `axis` into `kept` (`x`'s shape with extent 1 there) in two
    /// steps: the axis is cut in bands, one per processor, each point folding its band
    /// into one row of partial results; then one point folds the rows.
    fn reduce_in_bands(&self, x: &Array, axis: usize, code: u8, kept: &Array) -> Result<()> {
        let shape = x.shape();
        let bands = Bands::of(&self.dense, &shape, axis);
        if bands.count == 1 {
            return x.fold_rows(axis, code, kept);
        }
        let partial = self.dense.empty(&bands.partial_shape(&shape), x.dtype())?;
        let mut task =
            self.dense
                .rt
                .create_manual_task(&self.dense.lib, ids::REDUCE_AXIS, &bands.colors)?;
        task.add_input_partition(&x.store.partition_by_tiling(&bands.tile)?)?;
        task.add_output_partition(&partial.store.partition_by_tiling(&bands.row)?)?;
        task.add_scalar_arg(code);
        task.add_scalar_arg(axis as u64);
        task.execute()?;
        partial.fold_rows(axis, code, kept)
    }

    /// Folds this array along `axis` into `kept` (this shape with extent 1 there) with
    /// the reduction operator of `code`, in one point.
    pub(crate) fn fold_rows(&self, axis: usize, code: u8, kept: &Array) -> Result<()> {
        let ndim = self.ndim();
        let mut task =
            self.dense
                .rt
                .create_manual_task(&self.dense.lib, ids::REDUCE_AXIS, &vec![1; ndim])?;
        let whole: Vec<u64> = self.shape().iter().map(|&e| e as u64).collect();
        let mut row = whole.clone();
        row[axis] = 1;
        task.add_input_partition(&self.store.partition_by_tiling(&whole)?)?;
        task.add_output_partition(&kept.store.partition_by_tiling(&row)?)?;
        task.add_scalar_arg(code);
        task.add_scalar_arg(axis as u64);
        task.execute()
    }

    fn check_nonempty(&self, name: &str, axis: Option<isize>) -> Result<()> {
        let shape = self.shape();
        let empty = match axis {
            None => self.size() == 0,
            Some(a) => shape[normalize_axis(a, shape.len())?] == 0,
        };
        if empty {
            return Err(Error::InvalidArgument {
                what: format!(
                    "zero-size array to reduction operation {name} which has no identity"
                ),
            });
        }
        Ok(())
    }

    /// The sum over `axis` (NumPy's `sum`; small integers accumulate in 64 bits).
    pub fn sum(&self, axis: Option<isize>, keepdims: bool) -> Result<Array> {
        self.reduce(
            ReductionOp::Add,
            axis,
            keepdims,
            dtype::sum_type(self.dtype()),
        )
    }

    /// The product over `axis`.
    pub fn prod(&self, axis: Option<isize>, keepdims: bool) -> Result<Array> {
        self.reduce(
            ReductionOp::Mul,
            axis,
            keepdims,
            dtype::sum_type(self.dtype()),
        )
    }

    /// The largest value over `axis` (an error for an empty reduction, as NumPy).
    pub fn max(&self, axis: Option<isize>, keepdims: bool) -> Result<Array> {
        self.check_nonempty("maximum", axis)?;
        self.reduce(ReductionOp::Max, axis, keepdims, self.dtype())
    }

    /// The smallest value over `axis`.
    pub fn min(&self, axis: Option<isize>, keepdims: bool) -> Result<Array> {
        self.check_nonempty("minimum", axis)?;
        self.reduce(ReductionOp::Min, axis, keepdims, self.dtype())
    }

    /// Whether every value over `axis` is true (non-zero).
    pub fn all(&self, axis: Option<isize>, keepdims: bool) -> Result<Array> {
        self.reduce(ReductionOp::And, axis, keepdims, Type::Bool)
    }

    /// Whether any value over `axis` is true (non-zero).
    pub fn any(&self, axis: Option<isize>, keepdims: bool) -> Result<Array> {
        self.reduce(ReductionOp::Or, axis, keepdims, Type::Bool)
    }

    /// The mean over `axis` (NaN for an empty reduction, as NumPy).
    pub fn mean(&self, axis: Option<isize>, keepdims: bool) -> Result<Array> {
        let ty = dtype::mean_type(self.dtype());
        let shape = self.shape();
        let n = match axis {
            None => self.size(),
            Some(a) => shape[normalize_axis(a, shape.len())?],
        };
        let total = self.reduce(ReductionOp::Add, axis, keepdims, ty)?;
        total.binary_scalar(BinaryOp::TrueDivide, Operand::Float(n as f64), false)
    }
}

impl Array {
    /// The matrix product (NumPy's `matmul` / `@`): 1-D operands are vectors, operands
    /// with more than two dimensions are stacks of matrices whose batch dimensions
    /// broadcast. The result is cut into pieces of batch entries and rows, each computed
    /// from its rows of `self` and its entries of `other` (faer's kernel for floats and
    /// complex numbers, ndarray's for integers). A 2-D product whose inner dimension
    /// dwarfs the result (`X.T @ r` over many samples: `k` at least 32768 and 16 times `m`
    /// and `n`) is cut along that dimension instead: each point multiplies its columns of
    /// `self` by the same rows of `other`, and the partial products are summed into the
    /// result as a reduction.
    ///
    /// ```
    /// # use legate_dense::Dense;
    /// # use legate_core::{Runtime, Type};
    /// let d = Dense::new(&Runtime::with_cpus(2).unwrap()).unwrap();
    /// let a = d.arange(0.0, 12.0, 1.0, Type::Float64).unwrap().reshape(&[2, 2, 3]).unwrap();
    /// let b = d.ones(&[3, 1], Type::Float64).unwrap();
    /// let c = a.matmul(&b).unwrap(); // (2, 2, 3) @ (3, 1) -> (2, 2, 1)
    /// assert_eq!(c.to_vec::<f64>().unwrap(), vec![3.0, 12.0, 21.0, 30.0]);
    /// ```
    pub fn matmul(&self, other: &Array) -> Result<Array> {
        let (an, bn) = (self.ndim(), other.ndim());
        if an == 0 || bn == 0 {
            return Err(Error::InvalidArgument {
                what: "matmul: Input operand does not have enough dimensions".into(),
            });
        }
        let result_ty = dtype::promote_types(self.dtype(), other.dtype());
        if an == 1 && bn == 1 && !result_ty.is_bool() && self.size() == other.size() {
            // A dot product of vectors: a fused multiply and sum, in the result type.
            let (x, y) = (self.as_type(result_ty)?, other.as_type(result_ty)?);
            return x.binary(BinaryOp::Multiply, &y)?.reduce(
                ReductionOp::Add,
                None,
                false,
                result_ty,
            );
        }
        let a = if an == 1 {
            self.expand_dims(0)?
        } else {
            self.clone()
        };
        let b = if bn == 1 {
            other.expand_dims(1)?
        } else {
            other.clone()
        };
        let (sa, sb) = (a.shape(), b.shape());
        let (m, k) = (sa[sa.len() - 2], sa[sa.len() - 1]);
        let (k2, n) = (sb[sb.len() - 2], sb[sb.len() - 1]);
        if k != k2 {
            return Err(Error::ShapeMismatch {
                context: "matmul: inner dimensions",
                left: to_u64(&sa),
                right: to_u64(&sb),
            });
        }
        let batch = broadcast_shapes(&sa[..sa.len() - 2], &sb[..sb.len() - 2])?;
        // The kernels compute in these types; NumPy's result type is restored at the end
        // (integer products wrap the same way in 64 bits).
        let ty = match result_ty {
            Type::Int32 | Type::Int64 | Type::Float32 | Type::Float64 => result_ty,
            Type::Complex64 | Type::Complex128 => result_ty,
            Type::Float16 => Type::Float32,
            _ => Type::Int64,
        };
        let with = |tail: [usize; 2]| [batch.as_slice(), &tail].concat();
        let a = a.as_type(ty)?.broadcast_to(&with([m, k]))?;
        let b = b.as_type(ty)?.broadcast_to(&with([k, n]))?;
        let nd = batch.len() + 2;
        let pieces = split_k_pieces(&self.dense, batch.len(), m, k, n);
        let c = if pieces > 1 {
            self.dense.zeros(&with([m, n]), ty)?
        } else {
            self.dense.empty(&with([m, n]), ty)?
        };
        if k == 0 {
            c.fill(Scalar::zero(ty))?;
        } else if pieces > 1 {
            // A tall-skinny product (`X.T @ r`): each point takes a range of the inner
            // dimension of both operands, and the partial products are summed into `C`.
            let at = a.transpose(None)?;
            let rows = (k as u64).div_ceil(pieces);
            let pa = at.store.partition_by_tiling(&[rows, m as u64])?;
            let pb = b.store.partition_by_tiling(&[rows, n as u64])?;
            let mut task = self.dense.rt.create_manual_task(
                &self.dense.lib,
                ids::MATMUL_SPLIT_K,
                pa.color_shape(),
            )?;
            task.add_input_partition(&pa)?;
            task.add_input_partition(&pb)?;
            task.add_reduction(&c.store, ReductionOp::Add);
            task.execute()?;
        } else if c.size() > 0 {
            let mut task = self
                .dense
                .rt
                .create_auto_task(&self.dense.lib, ids::MATMUL)?;
            let va = task.add_input(&a.store);
            let vb = task.add_input(&b.store);
            let vc = task.add_output(&c.store);
            // Batch entries and rows of A and C go together (same extents, so the same
            // tiles); each piece sees whole rows of A and whole matrices of B.
            task.add_constraint(legate_core::broadcast(va, &[nd - 1]));
            task.add_constraint(legate_core::broadcast(vb, &[nd - 2, nd - 1]));
            task.add_constraint(legate_core::broadcast(vc, &[nd - 1]));
            task.execute()?;
        }
        let c = if result_ty == Type::Bool {
            c.not_equal(&self.dense.zeros(&[1], ty)?)?
        } else {
            c.as_type(result_ty)?
        };
        let c = if bn == 1 { c.squeeze(Some(-1))? } else { c };
        if an == 1 {
            c.squeeze(Some(if bn == 1 { -1 } else { -2 }))
        } else {
            Ok(c)
        }
    }

    /// NumPy's `dot`: `matmul` for 1-D and 2-D operands, a product for 0-d ones, and
    /// otherwise the sum over the last axis of `self` and the second-to-last of `other`
    /// (`tensordot`).
    ///
    /// ```
    /// # use legate_dense::Dense;
    /// # use legate_core::{Runtime, Type};
    /// let d = Dense::new(&Runtime::with_cpus(1).unwrap()).unwrap();
    /// let a = d.ones(&[2, 3, 4], Type::Float64).unwrap();
    /// let b = d.ones(&[5, 4, 6], Type::Float64).unwrap();
    /// assert_eq!(a.dot(&b).unwrap().shape(), vec![2, 3, 5, 6]);
    /// ```
    pub fn dot(&self, other: &Array) -> Result<Array> {
        let (an, bn) = (self.ndim(), other.ndim());
        if an == 0 || bn == 0 {
            return self.multiply(other);
        }
        if an <= 2 && bn <= 2 {
            return self.matmul(other);
        }
        let axis = if bn == 1 { 0 } else { -2 };
        crate::linalg::tensordot(
            self,
            other,
            crate::linalg::TensorAxes::Pairs(vec![-1], vec![axis]),
        )
    }

    /// `where(cond, self, other)`: elements of `self` where `cond` holds, else of `other`,
    /// all three broadcast together.
    pub fn where_(cond: &Array, x: &Array, y: &Array) -> Result<Array> {
        let shape = broadcast_shapes(&broadcast_shapes(&cond.shape(), &x.shape())?, &y.shape())?;
        let ty = dtype::promote_types(x.dtype(), y.dtype());
        let c = cond.as_type(Type::Bool)?.broadcast_to(&shape)?;
        let (xv, yv) = (
            x.as_type(ty)?.broadcast_to(&shape)?,
            y.as_type(ty)?.broadcast_to(&shape)?,
        );
        let out = x.dense.empty(&shape, ty)?;
        let kernel = dispatch!(ty, where_kernel())?;
        x.dense
            .rt
            .elementwise(kernel, &[&c.store, &xv.store, &yv.store], &out.store)?;
        Ok(out)
    }

    /// Values limited to `[lo, hi]` (NumPy's `clip`; either bound may be absent).
    pub fn clip(&self, lo: Option<f64>, hi: Option<f64>) -> Result<Array> {
        let mut out = self.clone();
        if let Some(lo) = lo {
            out = out.binary_scalar(BinaryOp::Maximum, lo, false)?;
        }
        if let Some(hi) = hi {
            out = out.binary_scalar(BinaryOp::Minimum, hi, false)?;
        }
        if lo.is_none() && hi.is_none() {
            return Err(Error::InvalidArgument {
                what: "one of max or min must be given".into(),
            });
        }
        Ok(out)
    }
}

impl Array {
    /// The variance over `axis` with `ddof` delta degrees of freedom (two passes, as NumPy:
    /// the mean first, then the squared deviations).
    pub fn var(&self, axis: Option<isize>, ddof: usize, keepdims: bool) -> Result<Array> {
        let shape = self.shape();
        let n = match axis {
            None => self.size(),
            Some(a) => shape[normalize_axis(a, shape.len())?],
        };
        let dev = if self.dtype().is_complex() {
            // The squared modulus of each deviation, as NumPy: re² + im², a real array.
            let dev = (self - &self.mean(axis, true)?)?;
            (&dev.unary(UnaryOp::Real)?.square()? + &dev.unary(UnaryOp::Imag)?.square()?)?
        } else {
            let x = self.as_type(dtype::var_type(self.dtype()))?;
            let mean = x.mean(axis, true)?;
            (&x - &mean)?.square()?
        };
        let total = dev.sum(axis, keepdims)?;
        let denom = n.saturating_sub(ddof) as f64;
        total.binary_scalar(BinaryOp::TrueDivide, Operand::Float(denom), false)
    }

    /// The standard deviation over `axis` (the square root of [`var`](Self::var)).
    pub fn std(&self, axis: Option<isize>, ddof: usize, keepdims: bool) -> Result<Array> {
        self.var(axis, ddof, keepdims)?.sqrt()
    }
}

/// A copy of `a` in a new shape of the same size, element by element in row-major order:
/// `a` is copied (in parallel pieces) into a flat array viewed in `a`'s shape, and the
/// flat array is then viewed in the new shape. Splitting a dimension is always a view.
pub(crate) fn reshape_copy(a: &Array, shape: &[usize]) -> Result<Array> {
    if a.size() == 0 {
        return a.dense.empty(shape, a.dtype());
    }
    let flat = a.dense.empty(&[a.size()], a.dtype())?;
    let as_i64 = |s: &[usize]| s.iter().map(|&e| e as i64).collect::<Vec<_>>();
    flat.reshape(&as_i64(&a.shape()))?.assign(a)?;
    flat.reshape(&as_i64(shape))
}

macro_rules! named_binary {
    ($($name:ident => $op:ident),* $(,)?) => {
        impl Array {
            $(
                #[doc = concat!("NumPy's `", stringify!($name), "`, with broadcasting and promotion.")]
                pub fn $name(&self, other: &Array) -> Result<Array> {
                    self.binary(BinaryOp::$op, other)
                }
            )*
        }
    };
}

named_binary! {
    add => Add,
    subtract => Subtract,
    multiply => Multiply,
    divide => TrueDivide,
    floor_divide => FloorDivide,
    remainder => Remainder,
    power => Power,
    maximum => Maximum,
    minimum => Minimum,
    bitwise_and => BitwiseAnd,
    bitwise_or => BitwiseOr,
    bitwise_xor => BitwiseXor,
    equal => Equal,
    not_equal => NotEqual,
    less => Less,
    less_equal => LessEqual,
    greater => Greater,
    greater_equal => GreaterEqual,
    fmod => Fmod,
    arctan2 => Arctan2,
    hypot => Hypot,
    copysign => Copysign,
    logaddexp => Logaddexp,
    logaddexp2 => Logaddexp2,
    nextafter => Nextafter,
    fmax => Fmax,
    fmin => Fmin,
    heaviside => Heaviside,
    float_power => FloatPower,
    ldexp => Ldexp,
    gcd => Gcd,
    lcm => Lcm,
    left_shift => LeftShift,
    right_shift => RightShift,
    logical_and => LogicalAnd,
    logical_or => LogicalOr,
    logical_xor => LogicalXor,
}

macro_rules! named_unary {
    ($($name:ident => $op:ident),* $(,)?) => {
        impl Array {
            $(
                #[doc = concat!("NumPy's `", stringify!($name), "`, element by element.")]
                pub fn $name(&self) -> Result<Array> {
                    self.unary(UnaryOp::$op)
                }
            )*
        }
    };
}

named_unary! {
    negative => Negative,
    absolute => Absolute,
    square => Square,
    sqrt => Sqrt,
    exp => Exp,
    log => Log,
    sin => Sin,
    cos => Cos,
    tan => Tan,
    tanh => Tanh,
    floor => Floor,
    ceil => Ceil,
    invert => Invert,
    positive => Positive,
    fabs => Fabs,
    rint => Rint,
    sign => Sign,
    conjugate => Conjugate,
    conj => Conjugate,
    exp2 => Exp2,
    log2 => Log2,
    log10 => Log10,
    expm1 => Expm1,
    log1p => Log1p,
    cbrt => Cbrt,
    reciprocal => Reciprocal,
    arcsin => Arcsin,
    arccos => Arccos,
    arctan => Arctan,
    sinh => Sinh,
    cosh => Cosh,
    arcsinh => Arcsinh,
    arccosh => Arccosh,
    arctanh => Arctanh,
    degrees => Degrees,
    rad2deg => Degrees,
    radians => Radians,
    deg2rad => Radians,
    trunc => Trunc,
    spacing => Spacing,
    real => Real,
    imag => Imag,
    angle => Angle,
    isnan => Isnan,
    isinf => Isinf,
    isfinite => Isfinite,
    signbit => Signbit,
    logical_not => LogicalNot,
}

macro_rules! operator {
    ($($trait:ident :: $method:ident => $op:ident),* $(,)?) => {$(
        impl std::ops::$trait<&Array> for &Array {
            type Output = Result<Array>;
            fn $method(self, rhs: &Array) -> Result<Array> {
                self.binary(BinaryOp::$op, rhs)
            }
        }

        impl<S: Into<Operand>> std::ops::$trait<S> for &Array {
            type Output = Result<Array>;
            fn $method(self, rhs: S) -> Result<Array> {
                self.binary_scalar(BinaryOp::$op, rhs, false)
            }
        }
    )*};
}

operator! {
    Add::add => Add,
    Sub::sub => Subtract,
    Mul::mul => Multiply,
    Div::div => TrueDivide,
    Rem::rem => Remainder,
    BitAnd::bitand => BitwiseAnd,
    BitOr::bitor => BitwiseOr,
    BitXor::bitxor => BitwiseXor,
    Shl::shl => LeftShift,
    Shr::shr => RightShift,
}

impl std::ops::Not for &Array {
    type Output = Result<Array>;
    fn not(self) -> Result<Array> {
        self.unary(UnaryOp::Invert)
    }
}

impl std::ops::Neg for &Array {
    type Output = Result<Array>;
    fn neg(self) -> Result<Array> {
        self.unary(UnaryOp::Negative)
    }
}

impl Array {
    /// Rounds to `decimals` digits, ties to even (NumPy's `round`/`around`: scaled by a
    /// power of ten, rounded, scaled back; integers with `decimals >= 0` are unchanged).
    pub fn round(&self, decimals: i32) -> Result<Array> {
        let ty = self.dtype();
        if ty.is_bool() || (ty.is_integer() && decimals >= 0) {
            return self.copy();
        }
        let x = if ty.is_integer() {
            self.astype(Type::Float64)?
        } else {
            self.clone()
        };
        let scale = 10f64.powi(decimals.abs());
        let (there, back) = if decimals >= 0 {
            (BinaryOp::Multiply, BinaryOp::TrueDivide)
        } else {
            (BinaryOp::TrueDivide, BinaryOp::Multiply)
        };
        let y = x
            .binary_scalar(there, scale, false)?
            .rint()?
            .binary_scalar(back, scale, false)?;
        y.as_type(ty)
    }

    /// NumPy's `divmod`: `(self // other, self % other)`.
    pub fn divmod(&self, other: &Array) -> Result<(Array, Array)> {
        Ok((self.floor_divide(other)?, self.remainder(other)?))
    }

    /// NumPy's `modf`: the fractional and integral parts, both with the sign of the value
    /// (the fractional part of an infinity is a signed zero).
    pub fn modf(&self) -> Result<(Array, Array)> {
        let ty = dtype::true_divide_type(self.dtype());
        let x = self.as_type(ty)?;
        let whole = x.trunc()?;
        let frac = (&x - &whole)?;
        let zero = self.dense.zeros(&self.shape(), ty)?.copysign(&x)?;
        let frac = Array::where_(&x.isinf()?, &zero, &frac)?;
        Ok((frac, whole))
    }

    /// NumPy's `frexp`: mantissas in `[0.5, 1)` (in magnitude) and int32 exponents with
    /// `self = mantissa * 2^exponent`.
    pub fn frexp(&self) -> Result<(Array, Array)> {
        let mantissa = self.unary(UnaryOp::FrexpMantissa)?;
        let exponent = self.unary(UnaryOp::FrexpExponent)?.astype(Type::Int32)?;
        Ok((mantissa, exponent))
    }

    /// NumPy's `isclose`: `|self - other| <= atol + rtol * |other|` element by element,
    /// infinities equal to themselves, NaNs equal only when `equal_nan`.
    pub fn isclose(&self, other: &Array, rtol: f64, atol: f64, equal_nan: bool) -> Result<Array> {
        let ty = dtype::promote_types(
            dtype::promote_types(self.dtype(), other.dtype()),
            Type::Float16,
        );
        let (a, b) = (self.as_type(ty)?, other.as_type(ty)?);
        let diff = (&a - &b)?.absolute()?;
        let tol = (&b
            .absolute()?
            .binary_scalar(BinaryOp::Multiply, rtol, false)?
            + atol)?;
        let close = diff.less_equal(&tol)?;
        // Where either is not finite, only equal values (the same infinity) are close.
        let finite = (&a.isfinite()? & &b.isfinite()?)?;
        let mut result = Array::where_(&finite, &close, &a.equal(&b)?)?;
        if equal_nan {
            let both_nan = (&a.isnan()? & &b.isnan()?)?;
            result = (&result | &both_nan)?;
        }
        Ok(result)
    }

    /// NumPy's `allclose`: whether every element is [`isclose`](Self::isclose).
    pub fn allclose(&self, other: &Array, rtol: f64, atol: f64, equal_nan: bool) -> Result<bool> {
        self.isclose(other, rtol, atol, equal_nan)?
            .all(None, false)?
            .item::<bool>()
    }

    /// NumPy's `array_equal`: the same shape and equal elements.
    pub fn array_equal(&self, other: &Array) -> Result<bool> {
        if self.shape() != other.shape() {
            return Ok(false);
        }
        self.equal(other)?.all(None, false)?.item::<bool>()
    }
}

/// The processors a launch may spread over: CPUs, or OMP groups where there are more.
fn processors(dense: &crate::Dense) -> usize {
    let config = dense.rt.config();
    config.cpus.max(config.omps)
}

/// How many pieces a 2-D product `(m x k) @ (k x n)` is cut into along `k`: more than one
/// only when the inner dimension dwarfs the result (the tall-skinny `X.T @ r` of a
/// regression), so that cutting the rows of `C`, as `matmul` otherwise does, would leave a
/// core idle or make every point read the whole of `B`.
fn split_k_pieces(dense: &crate::Dense, batch: usize, m: usize, k: usize, n: usize) -> u64 {
    const MIN_K_PER_PIECE: usize = 1 << 14;
    let procs = processors(dense);
    if batch > 0 || procs < 2 || k < 2 * MIN_K_PER_PIECE || k < 16 * m.max(n) {
        return 1;
    }
    procs.min(k / MIN_K_PER_PIECE) as u64
}
