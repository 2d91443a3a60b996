// The muscles of the hips and thighs as keyframed cross-sections, typical adult values before the seed's body scale,
// bulk and jitter. Between keyframes the cross-sections are interpolated linearly along z; a muscle exists from its
// lowest to its highest keyframe. Catalogue groups are named as in data/muscle_catalog (core::MuscleCatalog).
#include "anatomy_table.hpp"

#include <array>

namespace myo::phantom::detail {
namespace {

constexpr KeyForm A = KeyForm::absolute;
constexpr KeyForm T = KeyForm::thigh;

// Quadriceps around the femur; hamstrings from the ischial tuberosity, splitting distally into biceps (lateral) and
// semimembranosus (medial); adductors large proximally, small distally; sartorius spiralling from the ASIS
// (anterolateral at the hip) to medial at the knee; gracilis medial along the whole thigh; TFL from the iliac crest;
// psoas from the lumbar spine and iliacus from the iliac fossa joining in front of the hip; gluteus medius and
// minimus on the iliac wing down to the greater trochanter; gluteus maximus from sacrum and ilium to the gluteal
// fold. Muscles outside the catalogue fill the pelvis as in real images and border the labelled groups.
constexpr std::array<MuscleRow, 27> kMuscles{{
    // name                                     catalogue group           weight
    {"vastus lateralis",                          "quadriceps",            0.0},
    {"vastus intermedius",                        "quadriceps",            0.0},
    {"rectus femoris",                            "quadriceps",            0.1},
    {"vastus medialis",                           "quadriceps",            0.0},
    {"semitendinosus, common origin",  "hamstrings",            0.0},
    {"biceps femoris",                            "hamstrings",            0.0},
    {"semimembranosus",                           "hamstrings",            0.0},
    {"adductors, main mass",                      "adductors",             0.0},
    {"adductor longus",                           "adductors",             0.0},
    {"adductors, posterior",                      "adductors",             0.0},
    {"sartorius",                                 "sartorius",             0.3},
    {"gracilis",                                  "gracilis",              0.3},
    {"tensor fasciae latae",                      "tensor_fasciae_latae",  0.2},
    {"psoas",                                     "iliopsoas",             0.0},
    {"iliacus",                                   "iliopsoas",             0.0},
    {"gluteus medius and minimus",                "gluteus_medius",        0.0},
    {"gluteus maximus",                           "gluteus_maximus",       0.0},
    {"rectus abdominis",                          "",                      0.0},
    {"obliques",                                  "",                      0.0},
    {"erector spinae",                            "",                      0.0},
    {"piriformis",                                "",                      0.0},
    {"obturator internus",                        "",                      0.0},
    {"gemelli, obturator internus tendon",        "",                      0.0},
    {"quadratus femoris",                         "",                      0.0},
    {"pectineus",                                 "",                      0.0},
    {"obturator externus",                        "",                      0.0},
    {"levator ani",                               "",                      0.0},
}};

constexpr std::array<KeyframeRow, 129> kKeyframes{{
    // muscle                            form     z  l|phi  v|rho      a      b  angle
    {"vastus lateralis",                    A,   -35,   144,   -12,    20,    13,    90},
    {"vastus lateralis",                    T,   -85,   -20,  0.56,  0.42,   0.3,     0},
    {"vastus lateralis",                    T,  -150,   -15,  0.58,   0.5,  0.34,     0},
    {"vastus lateralis",                    T,  -250,   -15,  0.58,  0.48,  0.34,     0},
    {"vastus lateralis",                    T,  -330,   -22,  0.56,  0.38,   0.3,     0},
    {"vastus lateralis",                    T,  -415,   -40,  0.56,  0.24,   0.2,     0},
    {"vastus intermedius",                  A,   -55,   128,   -32,    20,    14,     0},
    {"vastus intermedius",                  T,  -100,   -72,  0.42,  0.45,  0.34,     0},
    {"vastus intermedius",                  T,  -200,   -80,  0.42,   0.5,  0.38,     0},
    {"vastus intermedius",                  T,  -320,   -85,  0.42,   0.5,  0.38,     0},
    {"vastus intermedius",                  T,  -415,   -90,  0.48,  0.42,   0.3,     0},
    {"rectus femoris",                      A,    22,   108,   -48,     7,     5,     0},
    {"rectus femoris",                      A,   -20,   110,   -64,    13,    10,     0},
    {"rectus femoris",                      T,   -80,   -88,  0.74,  0.28,   0.2,     0},
    {"rectus femoris",                      T,  -200,   -92,  0.74,   0.3,  0.22,     0},
    {"rectus femoris",                      T,  -330,   -95,  0.78,   0.2,  0.15,     0},
    {"rectus femoris",                      T,  -395,   -95,  0.82,  0.08,  0.06,     0},
    {"vastus medialis",                     T,  -110,  -128,   0.6,  0.18,  0.16,     0},
    {"vastus medialis",                     T,  -220,  -140,  0.55,  0.32,   0.3,     0},
    {"vastus medialis",                     T,  -320,  -150,   0.5,  0.45,   0.4,     0},
    {"vastus medialis",                     T,  -415,  -150,  0.48,   0.5,  0.42,     0},
    {"semitendinosus, common origin",       A,   -55,    62,    64,    14,    10,     0},
    {"semitendinosus, common origin",       A,   -80,    72,    60,    28,    20,    20},
    {"semitendinosus, common origin",       T,  -130,    95,  0.55,   0.4,   0.3,     0},
    {"semitendinosus, common origin",       T,  -220,    88,  0.56,  0.45,  0.36,     0},
    {"semitendinosus, common origin",       T,  -300,    88,  0.56,  0.42,  0.36,     0},
    {"semitendinosus, common origin",       T,  -360,    90,   0.6,  0.25,   0.2,     0},
    {"biceps femoris",                      T,  -270,    48,  0.55,  0.28,  0.26,     0},
    {"biceps femoris",                      T,  -415,    42,  0.62,  0.32,   0.3,     0},
    {"semimembranosus",                     T,  -270,   125,  0.55,  0.28,  0.28,     0},
    {"semimembranosus",                     T,  -415,   122,   0.6,  0.34,  0.32,     0},
    {"adductors, main mass",                A,   -25,    32,   -34,    12,     9,     0},
    {"adductors, main mass",                A,   -50,    48,   -18,    32,    24,    30},
    {"adductors, main mass",                T,   -90,   165,  0.45,   0.5,  0.45,     0},
    {"adductors, main mass",                T,  -150,   155,  0.45,  0.55,  0.45,     0},
    {"adductors, main mass",                T,  -230,   150,  0.45,  0.45,  0.38,     0},
    {"adductors, main mass",                T,  -300,   145,  0.45,   0.3,  0.25,     0},
    {"adductors, main mass",                T,  -360,   140,  0.45,  0.15,  0.12,     0},
    {"adductors, main mass",                T,  -388,   140,  0.45,  0.05,  0.04,     0},
    {"adductor longus",                     A,   -38,    26,   -46,    11,     9,     0},
    {"adductor longus",                     T,   -90,  -170,  0.56,   0.3,  0.22,     0},
    {"adductor longus",                     T,  -180,  -172,   0.5,  0.22,  0.18,     0},
    {"adductor longus",                     T,  -245,  -165,  0.45,  0.08,  0.06,     0},
    {"adductors, posterior",                A,   -58,    52,    36,    18,    13,     0},
    {"adductors, posterior",                T,  -100,   130,  0.45,  0.35,   0.3,     0},
    {"adductors, posterior",                T,  -200,   125,  0.42,   0.3,  0.28,     0},
    {"adductors, posterior",                T,  -300,   128,   0.4,   0.2,   0.2,     0},
    {"adductors, posterior",                T,  -340,   130,   0.4,  0.08,  0.08,     0},
    {"sartorius",                           A,    72,   126,   -36,     7,     5,    90},
    {"sartorius",                           A,    30,   121,   -54,    10,     6,    80},
    {"sartorius",                           A,   -20,   118,   -60,    12,     6,    20},
    {"sartorius",                           T,   -70,   -62,  0.88,   0.2,  0.09,     0},
    {"sartorius",                           T,  -130,   -95,  0.88,  0.21,   0.1,     0},
    {"sartorius",                           T,  -220,  -140,  0.87,   0.2,  0.11,     0},
    {"sartorius",                           T,  -320,  -178,  0.85,  0.18,  0.12,     0},
    {"sartorius",                           T,  -415,  -205,  0.82,  0.17,  0.13,     0},
    {"gracilis",                            A,   -42,    16,   -36,     8,     5,    90},
    {"gracilis",                            A,   -70,    24,   -28,    13,     6,   100},
    {"gracilis",                            T,  -110,   178,  0.88,   0.2,  0.08,     0},
    {"gracilis",                            T,  -250,   168,  0.86,  0.13,  0.09,     0},
    {"gracilis",                            T,  -415,   150,  0.82,   0.1,   0.1,     0},
    {"tensor fasciae latae",                A,    85,   128,   -24,     8,     5,   100},
    {"tensor fasciae latae",                A,    45,   140,   -32,    15,     9,   110},
    {"tensor fasciae latae",                A,     0,   150,   -30,    17,    10,   115},
    {"tensor fasciae latae",                A,   -40,   150,   -22,    15,     9,   120},
    {"tensor fasciae latae",                T,   -90,   -25,   0.9,  0.15,  0.08,     0},
    {"tensor fasciae latae",                T,  -150,   -20,  0.93,  0.07,  0.04,     0},
    {"psoas",                               A,   150,    36,    30,    17,    16,    60},
    {"psoas",                               A,   110,    52,    12,    22,    19,    60},
    {"psoas",                               A,    70,    64,    -5,    23,    20,    60},
    {"psoas",                               A,    30,    76,   -28,    23,    18,    40},
    {"psoas",                               A,   -10,    84,   -42,    21,    16,    20},
    {"psoas",                               A,   -45,   100,   -20,    16,    12,    60},
    {"psoas",                               A,   -62,   106,     6,    10,     8,    60},
    {"psoas",                               A,   -70,   108,    12,     4,     3,    60},
    {"iliacus",                             A,   128,    92,    28,    28,     9,   125},
    {"iliacus",                             A,   100,    95,    24,    36,    12,   125},
    {"iliacus",                             A,    70,    94,    18,    36,    13,   125},
    {"iliacus",                             A,    45,    92,     0,    30,    15,   110},
    {"iliacus",                             A,    20,    88,   -25,    23,    16,    80},
    {"iliacus",                             A,    -5,    86,   -38,    17,    13,    60},
    {"iliacus",                             A,   -25,    88,   -40,     7,     5,    60},
    {"gluteus medius and minimus",          A,   134,   112,    48,    30,    10,   125},
    {"gluteus medius and minimus",          A,   110,   118,    50,    48,    22,   125},
    {"gluteus medius and minimus",          A,    80,   126,    42,    52,    27,   120},
    {"gluteus medius and minimus",          A,    50,   134,    28,    48,    28,   110},
    {"gluteus medius and minimus",          A,    25,   140,    18,    40,    25,   100},
    {"gluteus medius and minimus",          A,     5,   143,    12,    30,    20,   100},
    {"gluteus medius and minimus",          A,   -15,   146,    10,    18,    12,   100},
    {"gluteus medius and minimus",          A,   -28,   148,    10,     7,     5,   100},
    {"gluteus maximus",                     A,   120,    55,    98,    26,    11,   -20},
    {"gluteus maximus",                     A,    90,    72,   100,    44,    22,   -25},
    {"gluteus maximus",                     A,    60,    90,    98,    60,    30,   -30},
    {"gluteus maximus",                     A,    20,   104,    92,    70,    36,   -35},
    {"gluteus maximus",                     A,   -20,   114,    80,    70,    38,   -45},
    {"gluteus maximus",                     A,   -60,   114,    72,    62,    36,   -40},
    {"gluteus maximus",                     A,  -100,   108,    66,    46,    26,   -35},
    {"gluteus maximus",                     A,  -130,   104,    62,    24,    12,   -30},
    {"gluteus maximus",                     A,  -145,   102,    60,     7,     4,   -30},
    {"rectus abdominis",                    A,   -22,    14,   -70,    12,     6,     0},
    {"rectus abdominis",                    A,    40,    30,   -80,    30,     8,     0},
    {"rectus abdominis",                    A,   150,    42,   -78,    40,    10,    -5},
    {"obliques",                            A,    92,   128,   -30,    30,     8,    65},
    {"obliques",                            A,   150,   128,   -25,    50,    11,    75},
    {"erector spinae",                      A,   105,    28,   102,    20,    14,     0},
    {"erector spinae",                      A,   150,    34,    86,    30,    24,     0},
    {"piriformis",                          A,    62,    38,    88,    14,     8,   -20},
    {"piriformis",                          A,    30,    80,    68,    36,    13,   -30},
    {"piriformis",                          A,     5,   112,    38,    26,    10,   -40},
    {"piriformis",                          A,    -5,   120,    30,    12,     6,   -40},
    {"obturator internus",                  A,    25,    47,     8,    26,     8,    90},
    {"obturator internus",                  A,   -10,    46,    10,    32,    10,    90},
    {"obturator internus",                  A,   -38,    48,    16,    20,     8,    90},
    {"gemelli, obturator internus tendon",  A,    12,    92,    36,    18,     9,     0},
    {"gemelli, obturator internus tendon",  A,   -10,    98,    40,    28,    12,     0},
    {"gemelli, obturator internus tendon",  A,   -30,   100,    42,    24,    10,     0},
    {"gemelli, obturator internus tendon",  A,   -40,   100,    42,     8,     4,     0},
    {"quadratus femoris",                   A,   -35,    88,    36,    22,    10,     0},
    {"quadratus femoris",                   A,   -62,    88,    40,    20,     9,     0},
    {"quadratus femoris",                   A,   -70,    88,    40,     8,     4,     0},
    {"pectineus",                           A,   -28,    45,   -44,    14,     9,    30},
    {"pectineus",                           A,   -60,    62,   -40,    18,    12,    40},
    {"pectineus",                           A,   -95,    76,   -32,     7,     5,    40},
    {"obturator externus",                  A,   -28,    72,     2,    20,     9,    10},
    {"obturator externus",                  A,   -52,    80,    14,    22,    11,    10},
    {"obturator externus",                  A,   -62,    84,    18,     8,     4,    10},
    {"levator ani",                         A,   -20,    22,    40,    20,     7,   100},
    {"levator ani",                         A,   -55,    18,    35,    22,     8,   100},
    {"levator ani",                         A,   -70,    14,    30,    10,     5,   100},
}};
// Femoral artery and vein (flow voids on spin echo): external iliac -> femoral triangle -> adductor canal.
constexpr std::array<CentrelineRow, 8> kFemoralCentreline{{
    // form     z  l|phi  v|rho
    {A,   100,    30,     0},
    {A,    40,    48,   -32},
    {A,     0,    62,   -62},
    {A,   -60,    80,   -64},
    {T,  -130,  -140,  0.55},
    {T,  -260,  -165,  0.45},
    {T,  -350,   160,  0.35},
    {T,  -420,   110,  0.32},
}};

constexpr std::array<VesselRow, 2> kFemoralVessels{{
    // name            radius   dl    dv
    {"femoral artery",  4.0,   -0.0,  0.0},
    {"femoral vein",    5.0,   -8.0,  3.0},
}};

}  // namespace

Rows<MuscleRow> muscle_rows() { return {kMuscles.data(), kMuscles.size()}; }
Rows<KeyframeRow> keyframe_rows() { return {kKeyframes.data(), kKeyframes.size()}; }
Rows<CentrelineRow> femoral_centreline_rows() { return {kFemoralCentreline.data(), kFemoralCentreline.size()}; }
Rows<VesselRow> femoral_vessel_rows() { return {kFemoralVessels.data(), kFemoralVessels.size()}; }

}  // namespace myo::phantom::detail
