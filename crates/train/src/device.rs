//! Choosing where to train: wgpu GPUs (Vulkan/Metal/DX12) by default, the flex CPU backend when
//! asked or when no GPU adapter is found, and lavapipe-style software Vulkan (`wgpu-cpu`) for
//! exercising the GPU code path on a machine without a GPU.

use std::fmt;
use std::str::FromStr;

use burn::tensor::Device;

/// The compute backend requested on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BackendChoice {
    /// wgpu on every GPU adapter found (discrete first, then integrated, then virtual).
    #[default]
    Wgpu,
    /// wgpu on a CPU adapter (Mesa lavapipe): slow, for testing the GPU path without a GPU.
    WgpuCpu,
    /// The pure-Rust CPU backend.
    Flex,
}

impl FromStr for BackendChoice {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "wgpu" => Ok(Self::Wgpu),
            "wgpu-cpu" => Ok(Self::WgpuCpu),
            "flex" => Ok(Self::Flex),
            other => Err(format!(
                "unknown backend {other:?}: use wgpu, wgpu-cpu or flex"
            )),
        }
    }
}

impl fmt::Display for BackendChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Wgpu => "wgpu",
            Self::WgpuCpu => "wgpu-cpu",
            Self::Flex => "flex",
        })
    }
}

/// The devices a run trains on (one per data-parallel replica), without autodiff.
#[derive(Debug, Clone)]
pub struct Selected {
    /// One device per replica; never empty.
    pub devices: Vec<Device>,
    /// Human-readable backend, e.g. `wgpu (2 devices)` or `flex`.
    pub name: String,
    /// Set when the request could not be honoured and the run fell back to flex.
    pub warning: Option<String>,
}

impl Selected {
    fn flex(warning: Option<String>) -> Self {
        Self {
            devices: vec![Device::flex()],
            name: "flex".into(),
            warning,
        }
    }

    /// True when training runs on the flex CPU backend.
    pub fn is_flex(&self) -> bool {
        self.name == "flex"
    }
}

/// Resolves `choice` to devices, using at most `max_devices` of them (all found when `None`).
pub fn select(choice: BackendChoice, max_devices: Option<usize>) -> Selected {
    let max = max_devices.unwrap_or(usize::MAX).max(1);
    match choice {
        BackendChoice::Flex => Selected::flex(None),
        BackendChoice::Wgpu | BackendChoice::WgpuCpu => wgpu_devices(choice, max),
    }
}

#[cfg(not(feature = "wgpu"))]
fn wgpu_devices(choice: BackendChoice, _max: usize) -> Selected {
    Selected::flex(Some(format!(
        "this build has no wgpu backend (feature `wgpu` of spillover-train is off); --backend {choice} falls back to the CPU backend flex"
    )))
}

#[cfg(feature = "wgpu")]
fn wgpu_devices(choice: BackendChoice, max: usize) -> Selected {
    use burn::tensor::DeviceKind;
    let mut devices = Vec::new();
    let mut errors = Vec::new();
    let kinds: Vec<fn(usize) -> DeviceKind> = match choice {
        BackendChoice::WgpuCpu => vec![|_| DeviceKind::Cpu],
        _ => vec![
            DeviceKind::DiscreteGpu,
            DeviceKind::IntegratedGpu,
            DeviceKind::VirtualGpu,
        ],
    };
    for kind in kinds {
        for index in 0.. {
            if devices.len() >= max {
                break;
            }
            match wgpu::acquire(kind(index)) {
                Ok(device) => devices.push(device),
                Err(e) => {
                    if index == 0 {
                        errors.push(e);
                    }
                    break;
                }
            }
            if choice == BackendChoice::WgpuCpu {
                break;
            }
        }
        if !devices.is_empty() {
            break;
        }
    }
    if devices.is_empty() {
        let what = if choice == BackendChoice::WgpuCpu {
            "CPU (software Vulkan)"
        } else {
            "GPU"
        };
        // The first probe's message lists the adapters wgpu did see.
        let seen = errors.first().map(String::as_str).unwrap_or("no adapter");
        return Selected::flex(Some(format!(
            "wgpu found no {what} adapter; training on the CPU backend flex instead. Install a \
             Vulkan/Metal/DX12 driver (Debian: mesa-vulkan-drivers) or pass --backend flex. ({seen})"
        )));
    }
    let name = match devices.len() {
        1 => format!("{choice}"),
        n => format!("{choice} ({n} devices)"),
    };
    Selected {
        devices,
        name,
        warning: None,
    }
}

#[cfg(feature = "wgpu")]
mod wgpu {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};

    use burn::tensor::{Device, DeviceKind};

    /// A wgpu runtime can be initialised once per adapter; later requests reuse the device.
    /// A failure is cached too, as its message: the cached result is cloned for every request,
    /// and the driver's error is not `Clone` (the message names the adapter and the cause).
    static ACQUIRED: OnceLock<Mutex<HashMap<String, Result<Device, String>>>> = OnceLock::new();

    pub(super) fn acquire(kind: DeviceKind) -> Result<Device, String> {
        let key = format!("{kind:?}");
        let mut cache = ACQUIRED
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        cache
            .entry(key)
            .or_insert_with(|| {
                // Adapter probing runs driver code; a panic there means "no usable adapter".
                let name = format!("{kind:?}");
                std::panic::catch_unwind(move || Device::wgpu_options().device_kind(kind).init())
                    .map_err(|_| format!("{name}: the wgpu driver panicked while probing"))?
                    .map_err(|e| format!("{name}: {e}"))
            })
            .clone()
    }
}

/// Process environment a training process needs, set before any thread starts: on a CPU run,
/// Burn's default device is flex (Burn materialises a resumed optimizer state on its default
/// device, a GPU when one exists, before moving it); Mesa's Vulkan drivers print an error per
/// adapter probe without `XDG_RUNTIME_DIR`.
///
/// # Safety
/// Must be called while the process has one thread (it sets environment variables).
pub unsafe fn prepare_process_env(choice: BackendChoice) {
    // SAFETY: the caller guarantees no other thread reads the environment concurrently.
    unsafe {
        if choice == BackendChoice::Flex && std::env::var_os("BURN_DEVICE").is_none() {
            std::env::set_var("BURN_DEVICE", "flex");
        }
        if std::env::var_os("XDG_RUNTIME_DIR").is_none() {
            std::env::set_var("XDG_RUNTIME_DIR", std::env::temp_dir());
        }
    }
}

/// Whether this machine appears to have a GPU device node (NVIDIA, or a DRM render node). A
/// cheap check, without starting a graphics API: used to split CPU threads between
/// concurrent CPU jobs, not to choose a backend.
pub fn gpu_present() -> bool {
    let any = |dir: &str, prefix: &str| {
        std::fs::read_dir(dir).is_ok_and(|entries| {
            entries
                .filter_map(|e| e.ok())
                .any(|e| e.file_name().to_string_lossy().starts_with(prefix))
        })
    };
    any("/dev", "nvidia0") || any("/dev/dri", "renderD")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_backend_names() {
        assert_eq!("wgpu".parse::<BackendChoice>(), Ok(BackendChoice::Wgpu));
        assert_eq!("flex".parse::<BackendChoice>(), Ok(BackendChoice::Flex));
        assert_eq!(
            "wgpu-cpu".parse::<BackendChoice>(),
            Ok(BackendChoice::WgpuCpu)
        );
        assert!(
            "cuda"
                .parse::<BackendChoice>()
                .unwrap_err()
                .contains("wgpu, wgpu-cpu or flex")
        );
        assert_eq!(BackendChoice::WgpuCpu.to_string(), "wgpu-cpu");
    }

    #[test]
    fn flex_is_always_available() {
        let s = select(BackendChoice::Flex, Some(4));
        assert_eq!(s.devices.len(), 1);
        assert!(s.is_flex() && s.warning.is_none());
    }
}
