//! spillover patch: LayerNorm and unmasked scaled dot-product attention as one autodiff node
//! each (see `PATCH.md`).
//!
//! burn-autodiff 0.22.1 runs both through `ModuleOps`' default compositions, so a training
//! step records ~8 (LayerNorm) and ~11 (attention) primitive nodes per call, each saving its
//! inputs and, in the backward pass, reducing broadcast gradients one op at a time. Here the
//! forward pass keeps what the closed-form gradients need (the normalized input and 1/std;
//! the attention probabilities) and the backward pass is a handful of backend ops.

use burn_backend::Backend;
use burn_backend::TensorMetadata;
use burn_backend::ops::AttentionModuleOptions;
use burn_backend::tensor::FloatTensor;
use burn_std::Shape;

use crate::checkpoint::base::Checkpointer;
use crate::checkpoint::strategy::CheckpointStrategy;
use crate::grads::Gradients;
use crate::ops::{Backward, Ops, OpsKind};
use crate::tensor::AutodiffTensor;

/// `(x - mean) / sqrt(var + epsilon)` over the last dim, and `1 / sqrt(var + epsilon)`
/// (`[..., 1]`).
fn normalize<B: Backend>(x: FloatTensor<B>, epsilon: f64) -> (FloatTensor<B>, FloatTensor<B>) {
    let last = x.shape().num_dims() - 1;
    let mean = B::float_mean_dim(x.clone(), last);
    let centered = B::float_sub(x, mean);
    let var = B::float_mean_dim(B::float_mul(centered.clone(), centered.clone()), last);
    let rstd = B::float_recip(B::float_sqrt(B::float_add_scalar(var, epsilon.into())));
    (B::float_mul(centered, rstd.clone()), rstd)
}

/// A `[d]` parameter as `[1, ..., 1, d]`, to broadcast against a rank-`rank` tensor.
fn as_last_dim<B: Backend>(param: FloatTensor<B>, rank: usize) -> FloatTensor<B> {
    let d = param.shape().num_elements();
    let mut dims = alloc::vec![1; rank];
    dims[rank - 1] = d;
    B::float_reshape(param, Shape::from(dims))
}

/// Sum over every dim but the last: `[..., d]` -> `[d]`.
fn sum_leading<B: Backend>(t: FloatTensor<B>) -> FloatTensor<B> {
    let shape = t.shape();
    let d = shape[shape.num_dims() - 1];
    let rows = shape.num_elements() / d.max(1);
    let t = B::float_reshape(t, Shape::from(alloc::vec![rows, d]));
    B::float_reshape(B::float_sum_dim(t, 0), Shape::from(alloc::vec![d]))
}

/// `dx = rstd * (g - mean(g) - x_hat * mean(g * x_hat))` with `g = grad * gamma`.
fn layer_norm_input_grad<B: Backend>(
    grad: FloatTensor<B>,
    x_hat: FloatTensor<B>,
    rstd: FloatTensor<B>,
    gamma: FloatTensor<B>,
) -> FloatTensor<B> {
    let rank = grad.shape().num_dims();
    let last = rank - 1;
    let g = B::float_mul(grad, as_last_dim::<B>(gamma, rank));
    let mean_g = B::float_mean_dim(g.clone(), last);
    let mean_gx = B::float_mean_dim(B::float_mul(g.clone(), x_hat.clone()), last);
    let centered = B::float_sub(B::float_sub(g, mean_g), B::float_mul(x_hat, mean_gx));
    B::float_mul(centered, rstd)
}

/// The normalized input, `1/std` per row, and gamma.
type LayerNormState<B> = (FloatTensor<B>, FloatTensor<B>, FloatTensor<B>);

#[derive(Debug)]
struct LayerNormWithBeta;

#[derive(Debug)]
struct LayerNormNoBeta;

/// Registers the gradients of x and gamma (the parts shared by both nodes).
fn layer_norm_backward<B: Backend>(
    node_x: Option<crate::graph::NodeRef>,
    node_gamma: Option<crate::graph::NodeRef>,
    grad: FloatTensor<B>,
    (x_hat, rstd, gamma): LayerNormState<B>,
    grads: &mut Gradients,
) {
    if let Some(node) = node_gamma {
        let grad_gamma = sum_leading::<B>(B::float_mul(grad.clone(), x_hat.clone()));
        grads.register::<B>(node.id, grad_gamma);
    }
    if let Some(node) = node_x {
        grads.register::<B>(
            node.id,
            layer_norm_input_grad::<B>(grad, x_hat, rstd, gamma),
        );
    }
}

impl<B: Backend> Backward<B, 3> for LayerNormWithBeta {
    type State = LayerNormState<B>;

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [node_x, node_gamma, node_beta] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        if let Some(node) = node_beta {
            grads.register::<B>(node.id, sum_leading::<B>(grad.clone()));
        }
        layer_norm_backward::<B>(node_x, node_gamma, grad, ops.state, grads);
    }
}

impl<B: Backend> Backward<B, 2> for LayerNormNoBeta {
    type State = LayerNormState<B>;

    fn backward(self, ops: Ops<Self::State, 2>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [node_x, node_gamma] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        layer_norm_backward::<B>(node_x, node_gamma, grad, ops.state, grads);
    }
}

/// `ModuleOps::layer_norm` on the autodiff backend: one node. Untracked calls go to the
/// inner backend's (possibly fused) `layer_norm`.
pub(crate) fn layer_norm<B: Backend, C: CheckpointStrategy>(
    x: AutodiffTensor<B>,
    gamma: AutodiffTensor<B>,
    beta: Option<AutodiffTensor<B>>,
    epsilon: f64,
) -> AutodiffTensor<B> {
    let forward = |x: FloatTensor<B>, gamma: FloatTensor<B>, beta: Option<FloatTensor<B>>| {
        let rank = x.shape().num_dims();
        let (x_hat, rstd) = normalize::<B>(x, epsilon);
        let scaled = B::float_mul(x_hat.clone(), as_last_dim::<B>(gamma.clone(), rank));
        let y = match beta {
            Some(beta) => B::float_add(scaled, as_last_dim::<B>(beta, rank)),
            None => scaled,
        };
        (y, (x_hat, rstd, gamma))
    };
    match beta {
        Some(beta) => match LayerNormWithBeta
            .prepare::<C>([x.node(), gamma.node(), beta.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let (y, state) = forward(x.primitive, gamma.primitive, Some(beta.primitive));
                prep.finish(state, y)
            }
            OpsKind::UnTracked(prep) => prep.finish(B::layer_norm(
                x.primitive,
                gamma.primitive,
                Some(beta.primitive),
                epsilon,
            )),
        },
        None => match LayerNormNoBeta
            .prepare::<C>([x.node(), gamma.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let (y, state) = forward(x.primitive, gamma.primitive, None);
                prep.finish(state, y)
            }
            OpsKind::UnTracked(prep) => {
                prep.finish(B::layer_norm(x.primitive, gamma.primitive, None, epsilon))
            }
        },
    }
}

/// q, k, v, the attention probabilities `softmax(q k^T * scale)`, and the scale.
type AttentionState<B> = (
    FloatTensor<B>,
    FloatTensor<B>,
    FloatTensor<B>,
    FloatTensor<B>,
    f64,
);

#[derive(Debug)]
struct Attention;

impl<B: Backend> Backward<B, 3> for Attention {
    type State = AttentionState<B>;

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [node_q, node_k, node_v] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        let (q, k, v, probs, scale) = ops.state;
        if let Some(node) = node_v {
            let grad_v = B::float_matmul(B::float_transpose(probs.clone()), grad.clone());
            grads.register::<B>(node.id, grad_v);
        }
        if node_q.is_none() && node_k.is_none() {
            return;
        }
        // dS = P * (dP - rowsum(dP * P)) * scale, with dP = dO v^T.
        let grad_probs = B::float_matmul(grad, B::float_transpose(v));
        let row_dot = B::float_sum_dim(B::float_mul(grad_probs.clone(), probs.clone()), 3);
        let grad_scores = B::float_mul_scalar(
            B::float_mul(probs, B::float_sub(grad_probs, row_dot)),
            scale.into(),
        );
        if let Some(node) = node_q {
            grads.register::<B>(node.id, B::float_matmul(grad_scores.clone(), k));
        }
        if let Some(node) = node_k {
            let grad_k = B::float_matmul(B::float_transpose(grad_scores), q);
            grads.register::<B>(node.id, grad_k);
        }
    }
}

/// Whether [`attention`] handles these arguments (no mask, bias, softcap or causal mask);
/// the others keep the default composition.
pub(crate) fn is_plain_attention(
    has_mask: bool,
    has_bias: bool,
    options: &AttentionModuleOptions,
) -> bool {
    !has_mask && !has_bias && options.softcap.is_none() && !options.is_causal
}

/// `softmax(q k^T * scale) v` as one node; the probabilities come from the inner
/// backend's `softmax` (fused where it has one).
pub(crate) fn attention<B: Backend, C: CheckpointStrategy>(
    q: AutodiffTensor<B>,
    k: AutodiffTensor<B>,
    v: AutodiffTensor<B>,
    options: AttentionModuleOptions,
) -> AutodiffTensor<B> {
    let head_dim = q.primitive.shape()[3];
    let scale = options
        .scale
        .unwrap_or_else(|| 1.0 / (head_dim as f64).sqrt());
    let probs = |q: FloatTensor<B>, k: FloatTensor<B>| {
        let scores = B::float_matmul(q, B::float_transpose(k));
        B::softmax(B::float_mul_scalar(scores, scale.into()), 3)
    };
    match Attention
        .prepare::<C>([q.node(), k.node(), v.node()])
        .compute_bound()
        .stateful()
    {
        OpsKind::Tracked(prep) => {
            let p = probs(q.primitive.clone(), k.primitive.clone());
            let out = B::float_matmul(p.clone(), v.primitive.clone());
            prep.finish((q.primitive, k.primitive, v.primitive, p, scale), out)
        }
        OpsKind::UnTracked(prep) => {
            let p = probs(q.primitive, k.primitive);
            prep.finish(B::float_matmul(p, v.primitive))
        }
    }
}
