"""The local backend's pieces: packaged GGUF models and the llama.cpp server process."""
