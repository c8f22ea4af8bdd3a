"""The signing round after the documents are built: what was sent, who may sign which field,
signing, and the judgement of what comes back.

- record.py: the year's tracked record of what was sent for signature (counties/YEAR/sent/);
- parties.py: who may sign the ministry's field and each district's field;
- judgement/: what a valid signed copy is (structure, allowed changes, rendering, identity, time);
- sign.py, appearance.py, keys.py: `agreement-gen sign`;
- sending.py, undo.py: `send`, `withdraw`, `unreceive`;
- receive/: a signed copy taken back (digital or paper) and recorded in the data.
"""
