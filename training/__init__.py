"""Training: collator, the accelerate loop for adapter alignment and LoRA finetuning, checkpoints and resume."""
