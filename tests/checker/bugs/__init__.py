"""Real descriptor bugs from the kernel's history, each as a model in its buggy and fixed form."""
