"""The Great Expectations suite on the generated set and on damaged copies: failures name the file and line."""

import numpy as np
import pytest
from PIL import Image

from paperline.core.errors import ValidationFailed
from paperline.tracker.sequences import read_vot
from paperline.tracker.validation import validate_sequences


def test_generated_set_passes(tiny_sequences, tmp_path):
    stats = validate_sequences(tiny_sequences[0], tmp_path / "report")
    assert stats["layouts"] == ["davis", "otb", "vot"]
    assert stats["vot"]["sequences"] == 3 and stats["davis"]["sequences"] == 6


def test_rows_boxes_masks_and_tags_are_checked(sequences_copy, tmp_path):
    root = sequences_copy
    seq = read_vot(root / "vot")[1]
    lines = seq.truth_file.read_text().splitlines()
    lines[6] = "5000,5000,20,20"  # a box outside the frame, not flagged as out of view
    seq.truth_file.write_text("\n".join(lines[:-1]) + "\n")  # and one row short
    tag = seq.tag_files["occlusion"]
    tag.write_text(tag.read_text() + "0\n")  # a tag file one row long
    mask = sorted((root / "davis" / "Annotations" / "480p" / seq.name).glob("*.png"))[2]
    Image.fromarray(np.zeros((10, 12), np.uint8), mode="P").save(mask)  # a mask of the wrong size
    with pytest.raises(ValidationFailed) as e:
        validate_sequences(root, tmp_path / "report")
    text = str(e.value) + (tmp_path / "report" / "report.md").read_text()
    assert f"{seq.name}/groundtruth.txt:7" in text
    assert f"{seq.name}/groundtruth.txt" in text and "rows_match" in text
    assert "occlusion.tag" in text and f"{seq.name}/00002.png" in text
