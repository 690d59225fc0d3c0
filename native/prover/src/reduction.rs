//! Circom's R1CS-to-QAP reduction, the one snarkjs's keys are made for.
//!
//! snarkjs's H points are the powers of τ over the odd coset of the domain (the points
//! ω₂ₙ·ωₙⁱ, ω₂ₙ a 2n-th root of unity), already divided by the vanishing polynomial (constant −2
//! there). So h is A·B − C evaluated on that coset, with nothing divided and no inverse FFT
//! back; arkworks' default (libsnark) reduction gives proofs that do not verify with such keys.
//! The .zkey's A and B rows already hold the rows binding the public inputs, so C = A·B on the
//! domain.

use ark_ff::PrimeField;
use ark_groth16::r1cs_to_qap::{evaluate_constraint, LibsnarkReduction, R1CSToQAP};
use ark_poly::EvaluationDomain;
use ark_relations::gr1cs::{ConstraintSystemRef, Result as R1CSResult, SynthesisError};
use ark_relations::utils::matrix::Matrix;
use rayon::prelude::*;

pub struct CircomReduction;

impl R1CSToQAP for CircomReduction {
    #[allow(clippy::type_complexity)]
    fn instance_map_with_evaluation<F: PrimeField, D: EvaluationDomain<F>>(
        cs: ConstraintSystemRef<F>,
        t: &F,
    ) -> R1CSResult<(Vec<F>, Vec<F>, Vec<F>, F, usize, usize)> {
        LibsnarkReduction::instance_map_with_evaluation::<F, D>(cs, t)
    }

    /// `matrices` = [A, B], one row per domain element; `num_constraints` = the domain size.
    fn witness_map_from_matrices<F: PrimeField, D: EvaluationDomain<F>>(
        matrices: &[Matrix<F>],
        _num_inputs: usize,
        num_constraints: usize,
        full_assignment: &[F],
    ) -> R1CSResult<Vec<F>> {
        let domain = D::new(num_constraints).ok_or(SynthesisError::PolynomialDegreeTooLarge)?;
        let n = domain.size();
        if matrices.len() != 2 || matrices[0].len() != n || matrices[1].len() != n {
            return Err(SynthesisError::Unsatisfiable);
        }
        let mut a = vec![F::zero(); n];
        let mut b = vec![F::zero(); n];
        a.par_iter_mut()
            .zip(b.par_iter_mut())
            .zip(matrices[0].par_iter().zip(matrices[1].par_iter()))
            .for_each(|((a, b), (at, bt))| {
                *a = evaluate_constraint(at, full_assignment);
                *b = evaluate_constraint(bt, full_assignment);
            });
        let mut c: Vec<F> = a.par_iter().zip(b.par_iter()).map(|(a, b)| *a * b).collect();

        let offset = D::new(2 * n).ok_or(SynthesisError::PolynomialDegreeTooLarge)?.element(1);
        let coset = domain.get_coset(offset).ok_or(SynthesisError::PolynomialDegreeTooLarge)?;
        for values in [&mut a, &mut b, &mut c] {
            domain.ifft_in_place(values);
            coset.fft_in_place(values);
        }
        a.par_iter_mut().zip(b.par_iter()).zip(c.par_iter()).for_each(|((a, b), c)| {
            *a *= b;
            *a -= c;
        });
        Ok(a)
    }

    fn h_query_scalars<F: PrimeField, D: EvaluationDomain<F>>(
        max_power: usize,
        t: F,
        zt: F,
        delta_inverse: F,
    ) -> Result<Vec<F>, SynthesisError> {
        LibsnarkReduction::h_query_scalars::<F, D>(max_power, t, zt, delta_inverse)
    }
}

