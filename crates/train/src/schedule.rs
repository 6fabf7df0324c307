//! Learning-rate schedules as pure functions of the optimizer step.
//!
//! A schedule's whole state is the global step, which the checkpoint stores, so a resumed run
//! gets exactly the learning rates of an uninterrupted one. Warm-up is linear and per step;
//! cosine anneals per step over the steps after warm-up; step decay multiplies by `gamma` at
//! epoch milestones (PyTorch's `MultiStepLR`, or `StepLR` via `step_size`).

use serde::{Deserialize, Serialize};

/// The shape of the schedule after warm-up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScheduleKind {
    /// The base rate throughout.
    Constant,
    /// Half-cosine from the base rate down to `min_lr` at the last step.
    Cosine,
    /// Base rate times `gamma` per milestone passed.
    Step,
}

/// Learning rate at every step of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct LrSchedule {
    /// Rate after warm-up (and before any decay).
    pub base_lr: f64,
    /// Shape after warm-up.
    pub kind: ScheduleKind,
    /// Floor of the cosine.
    pub min_lr: f64,
    /// Epochs at which a step schedule multiplies by `gamma`, ascending.
    pub milestones: Vec<usize>,
    /// Step decay factor.
    pub gamma: f64,
    /// Linear warm-up length in steps.
    pub warmup_steps: u64,
    /// Optimizer steps per epoch.
    pub steps_per_epoch: u64,
    /// Optimizer steps of the whole run.
    pub total_steps: u64,
}

impl LrSchedule {
    /// The learning rate of optimizer step `step` (0-based).
    pub fn lr_at(&self, step: u64) -> f64 {
        if step < self.warmup_steps {
            return self.base_lr * (step + 1) as f64 / self.warmup_steps as f64;
        }
        match self.kind {
            ScheduleKind::Constant => self.base_lr,
            ScheduleKind::Cosine => {
                let span = self.total_steps.saturating_sub(self.warmup_steps).max(1) as f64;
                let t = ((step - self.warmup_steps) as f64 / span).min(1.0);
                self.min_lr
                    + (self.base_lr - self.min_lr) * 0.5 * (1.0 + (std::f64::consts::PI * t).cos())
            }
            ScheduleKind::Step => {
                let epoch = (step / self.steps_per_epoch.max(1)) as usize;
                let passed = self.milestones.iter().filter(|&&m| epoch >= m).count();
                self.base_lr * self.gamma.powi(passed as i32)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedule(kind: ScheduleKind) -> LrSchedule {
        LrSchedule {
            base_lr: 0.1,
            kind,
            min_lr: 0.001,
            milestones: vec![2, 4],
            gamma: 0.1,
            warmup_steps: 10,
            steps_per_epoch: 10,
            total_steps: 60,
        }
    }

    #[test]
    fn warmup_is_linear_up_to_the_base_rate() {
        let s = schedule(ScheduleKind::Constant);
        assert!((s.lr_at(0) - 0.01).abs() < 1e-12);
        assert!((s.lr_at(4) - 0.05).abs() < 1e-12);
        assert!((s.lr_at(9) - 0.1).abs() < 1e-12);
        assert_eq!(s.lr_at(59), 0.1);
    }

    #[test]
    fn cosine_goes_from_base_to_min() {
        let s = schedule(ScheduleKind::Cosine);
        assert!((s.lr_at(10) - 0.1).abs() < 1e-12);
        // Halfway through the 50 post-warm-up steps: the mean of base and min.
        assert!((s.lr_at(35) - (0.1 + 0.001) / 2.0).abs() < 1e-12);
        assert!((s.lr_at(60) - 0.001).abs() < 1e-12);
        let lrs: Vec<f64> = (10..60).map(|i| s.lr_at(i)).collect();
        assert!(
            lrs.windows(2).all(|w| w[1] < w[0]),
            "monotone after warm-up"
        );
    }

    #[test]
    fn step_decays_at_milestones() {
        let s = schedule(ScheduleKind::Step);
        assert_eq!(s.lr_at(19), 0.1); // epoch 1
        assert!((s.lr_at(20) - 0.01).abs() < 1e-12); // epoch 2
        assert!((s.lr_at(45) - 0.001).abs() < 1e-12); // epoch 4
    }
}
