"""Training the learned segmenter layer from gold units, and its model folders.

- :mod:`.gold`: gold units from the bench's JSON lines and from pulled exports;
- :mod:`.train`: features, CRF training and cross-validation;
- :mod:`.model`: writing and loading a model folder (manifest + CRFsuite weights);
- :mod:`.score`: the overlap scorer used for the cross-validated figures;
- :mod:`.use`: ``labeling segment`` and ``labeling push`` with a model.
"""
