"""The JD-landmark 106-point scheme (0-based), shared by JD-landmark and LaPa.

Index groups follow FaRL's LaPa loader and FaceX-Zoo's `lms5_2_lms106`; "left" is image-left.
"""

CONTOUR = list(range(0, 33))          # ear to ear, 16 = chin
LEFT_BROW = list(range(33, 42))       # 33-37 upper edge (outer->inner), 38-41 lower edge back
RIGHT_BROW = list(range(42, 51))      # 42-46 upper edge (inner->outer), 47-50 lower edge back
NOSE_BRIDGE = list(range(51, 55))     # 54 = nose tip
NOSE_LOWER = list(range(55, 66))      # wing to wing under the tip
LEFT_EYE = list(range(66, 74))        # 66 outer corner, 67-69 upper lid, 70 inner corner, 71-73 lower lid
LEFT_EYE_CENTER_POINT = 74
RIGHT_EYE = list(range(75, 83))       # 75 inner corner, 76-78 upper lid, 79 outer corner, 80-82 lower lid
RIGHT_EYE_CENTER_POINT = 83
OUTER_LIP = list(range(84, 96))       # 84 left corner, 85-89 upper arc, 90 right corner, 91-95 lower arc
INNER_LIP = list(range(96, 104))      # 96 left, 97-99 upper, 100 right, 101-103 lower
LEFT_PUPIL, RIGHT_PUPIL = 104, 105
NUM_POINTS = 106

# (left eye, right eye, nose tip, left mouth corner, right mouth corner), as used for 5-point alignment.
FIVE_POINT = [104, 105, 54, 84, 90]

# LaPa class ids (JDAI-CV/lapa-dataset labelmap.txt).
LAPA_CLASSES = [
    "background", "skin", "left_eyebrow", "right_eyebrow", "left_eye", "right_eye",
    "nose", "upper_lip", "inner_mouth", "lower_lip", "hair",
]
LAPA_COLORS = [
    (0, 0, 0), (0, 153, 255), (102, 255, 153), (0, 204, 153), (255, 255, 102), (255, 255, 204),
    (255, 153, 0), (255, 102, 255), (102, 0, 51), (255, 204, 255), (255, 0, 102),
]


def upper_lip_polygon():
    """Outer upper arc then the inner upper arc reversed (LaPa's landmark-guided rule)."""
    return [84, 85, 86, 87, 88, 89, 90, 100, 99, 98, 97, 96]


def lower_lip_polygon():
    return [90, 91, 92, 93, 94, 95, 84, 96, 103, 102, 101, 100]


def horizontal_flip_permutation():
    """Index map for a mirrored image: point i of the flipped face is point perm[i] of the original."""
    perm = list(range(NUM_POINTS))

    def pair(a, b):
        for i, j in zip(a, b):
            perm[i], perm[j] = j, i

    pair(CONTOUR, CONTOUR[::-1])
    # brows: left upper outer->inner mirrors right upper inner->outer reversed
    pair(LEFT_BROW[:5], RIGHT_BROW[:5][::-1])
    pair(LEFT_BROW[5:], RIGHT_BROW[5:][::-1])
    pair(NOSE_LOWER, NOSE_LOWER[::-1])
    # eyes: 66 outer,67-69 upper,70 inner,71-73 lower <-> 79 outer,78-76 upper,75 inner,82-80 lower
    pair([66, 67, 68, 69, 70, 71, 72, 73], [79, 78, 77, 76, 75, 82, 81, 80])
    pair([74], [83])
    pair([84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95], [90, 89, 88, 87, 86, 85, 84, 95, 94, 93, 92, 91])
    pair([96, 97, 98, 99, 100, 101, 102, 103], [100, 99, 98, 97, 96, 103, 102, 101])
    pair([104], [105])
    return perm
