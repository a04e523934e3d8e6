"""Private numerical mechanisms, each written once: Newton (dense, batched and deflated)
and fixed-step stepping. No Model, no results: arrays and callables in, arrays out.
"""
