// Storage: npy, safetensors, run store.
