"""The network's classes, the tissues the synthesiser paints, and how each source's label values map onto them.

Class order is the model's output order; the C++ side reads the names from the model file, never this order.
"""
import numpy as np

# Network output classes (0 = not a catalogue muscle). Names match data/muscle_catalog.json "muscles".
MUSCLES = [
    "gluteus_maximus", "gluteus_medius", "gluteus_minimus", "tensor_fasciae_latae", "iliacus", "psoas_major",
    "rectus_femoris", "vastus_lateralis", "vastus_intermedius", "vastus_medialis", "sartorius", "gracilis",
    "adductors", "biceps_femoris_long_head", "biceps_femoris_short_head", "semitendinosus", "semimembranosus",
]
CLASSES = ["background"] + MUSCLES
NUM_CLASSES = len(CLASSES)

# Catalogue groups (data/muscle_catalog.json order) and the muscles each rolls up.
GROUPS = {
    "gluteus_maximus": ["gluteus_maximus"],
    "gluteus_medius": ["gluteus_medius", "gluteus_minimus"],
    "tensor_fasciae_latae": ["tensor_fasciae_latae"],
    "iliopsoas": ["iliacus", "psoas_major"],
    "quadriceps": ["rectus_femoris", "vastus_lateralis", "vastus_intermedius", "vastus_medialis"],
    "sartorius": ["sartorius"],
    "gracilis": ["gracilis"],
    "adductors": ["adductors"],
    "hamstrings": ["biceps_femoris_long_head", "biceps_femoris_short_head", "semitendinosus", "semimembranosus"],
}
GROUP_NAMES = list(GROUPS)


def group_of_class():
    """Array: class index -> group index + 1 (0 = background)."""
    out = np.zeros(NUM_CLASSES, np.int64)
    for g, (name, members) in enumerate(GROUPS.items()):
        for m in members:
            out[CLASSES.index(m)] = g + 1
    return out


# Tissues painted by the synthesiser. 1..17 are the muscles above (same numbers as their classes).
T_AIR = 0
T_OTHER_MUSCLE = 18   # muscle that is no catalogue muscle (calf, pelvic floor, obturators): class 0
T_FEMUR_CORTEX = 19
T_FEMUR_MARROW = 20
T_BONE_CORTEX = 21    # pelvis: ilium, sacrum
T_BONE_MARROW = 22
T_INNER_FAT = 23      # inside the muscle compartment but not muscle: septa, vessels' fat, pelvic fat
T_SEPTUM = 24         # the line where two different muscles touch in a label map
T_VISCERA = 25        # enclosed by the pelvis: bladder, bowel
T_SUBCUT = 26         # painted at sample time from the distance to the compartment
T_SKIN = 27
T_FASCIA = 28
T_VESSEL = 29
NUM_TISSUES = 30

# thigh-multiethnic: 11 muscles, the same value on both sides.
THIGH_MULTIETHNIC = {
    1: "sartorius", 2: "rectus_femoris", 3: "vastus_lateralis", 4: "vastus_intermedius", 5: "vastus_medialis",
    6: "adductors", 7: "gracilis", 8: "biceps_femoris_long_head", 9: "semitendinosus", 10: "semimembranosus",
    11: "biceps_femoris_short_head",
}

# musclemap-pelvis-thigh codes (left = odd, right = even); bones and unlisted muscles are tissues, not classes.
MUSCLEMAP_PELVIS = {
    512: "psoas_major", 610: "gluteus_minimus", 611: "gluteus_medius", 612: "gluteus_maximus",
    613: "tensor_fasciae_latae", 614: "iliacus", 710: "vastus_lateralis", 711: "vastus_intermedius",
    712: "vastus_medialis", 713: "rectus_femoris", 714: "sartorius", 715: "gracilis", 716: "semimembranosus",
    717: "semitendinosus", 718: "biceps_femoris_long_head", 719: "biceps_femoris_short_head", 720: "adductors",
    721: "adductors", 722: "adductors",
}
MUSCLEMAP_BONE = {615: "ilium", 616: "sacrum"}
MUSCLEMAP_FEMUR = 617

# Generator truth (data/muscle_catalog.json): groups, right 1-9, left 11-19.
CATALOG_GROUP_LABEL = {i + 1: name for i, name in enumerate(GROUP_NAMES)}
CATALOG_GROUP_LABEL.update({i + 11: name for i, name in enumerate(GROUP_NAMES)})
