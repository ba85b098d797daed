"""Draw the step-by-step illustrations for the exercise guides.

Run from the repository root:

    python scripts/draw_illustrations.py

The script needs only Pillow (``pip install pillow``). It draws simple,
flat-style side-view scenes of a parent and a baby and writes them as
1800x1200 JPEG files into ``content/posts/<post>/images/step-N.jpg``.
Everything is drawn from fixed coordinates, so running the script twice
produces byte-identical files (with the same Pillow version).

Scenes are drawn at 2x size and downsampled with LANCZOS for smooth edges.
At the end the script prints one alt text per image for the post authors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from PIL import Image, ImageDraw, ImageFont

# --------------------------------------------------------------------------
# Output settings
# --------------------------------------------------------------------------

WIDTH, HEIGHT = 1800, 1200
SUPERSAMPLE = 2
JPEG_QUALITY = 90
REPO_ROOT = Path(__file__).resolve().parent.parent
POSTS_DIR = REPO_ROOT / "content" / "posts"

Point = tuple[float, float]
Color = tuple[int, ...]

# --------------------------------------------------------------------------
# Palette (kept the same for every scene so the characters stay recognisable)
# --------------------------------------------------------------------------

WALL = (246, 240, 231)
FLOOR = (231, 218, 198)
FLOOR_EDGE = (214, 197, 172)

BED_SHEET = (226, 237, 245)
BED_SIDE = (196, 216, 232)
BED_WOOD = (201, 168, 133)

MAT = (205, 230, 211)
MAT_SIDE = (168, 206, 178)

CUSHION = (201, 184, 228)
PILLOW = (255, 255, 255)
PILLOW_EDGE = (214, 206, 232)
TOWEL = (137, 188, 224)
TOWEL_STRIPE = (236, 245, 252)

PARENT_SKIN = (214, 158, 123)
PARENT_SKIN_FAR = (190, 136, 104)
PARENT_HAIR = (74, 51, 40)
PARENT_TOP = (52, 150, 148)
PARENT_TOP_FAR = (38, 118, 117)
PARENT_TROUSERS = (76, 90, 122)
PARENT_TROUSERS_FAR = (58, 70, 98)

BABY_SKIN = (246, 206, 175)
BABY_SKIN_FAR = (228, 184, 151)
BABY_HAIR = (150, 101, 66)
BABY_ONESIE = (247, 201, 72)
BABY_ONESIE_FAR = (222, 174, 46)

EYE = (52, 40, 36)
CHEEK = (236, 128, 120, 90)
MOUTH = (150, 70, 62)

ACCENT = (232, 92, 76)  # highlight rings and arrows
BADGE = (47, 93, 124)
BADGE_TEXT = (255, 255, 255)

TOY_RED = (232, 92, 76)
TOY_YELLOW = (255, 214, 90)
TOY_BLUE = (96, 160, 214)
TOY_HANDLE = (250, 250, 250)


# --------------------------------------------------------------------------
# Small vector helpers
# --------------------------------------------------------------------------


def add(a: Point, b: Point) -> Point:
    return (a[0] + b[0], a[1] + b[1])


def sub(a: Point, b: Point) -> Point:
    return (a[0] - b[0], a[1] - b[1])


def mul(a: Point, k: float) -> Point:
    return (a[0] * k, a[1] * k)


def length(a: Point) -> float:
    return math.hypot(a[0], a[1])


def unit(angle_deg: float) -> Point:
    """Unit vector for an angle in screen coordinates (y points down)."""
    rad = math.radians(angle_deg)
    return (math.cos(rad), math.sin(rad))


def angle_of(v: Point) -> float:
    return math.degrees(math.atan2(v[1], v[0]))


def lerp(a: Point, b: Point, t: float) -> Point:
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)


def polar(origin: Point, angle_deg: float, dist: float) -> Point:
    return add(origin, mul(unit(angle_deg), dist))


def shade(color: Color, k: float) -> Color:
    """A darker (k < 1) or lighter (k > 1) version of an RGB colour."""
    return tuple(max(0, min(255, round(c * k))) for c in color[:3])


# --------------------------------------------------------------------------
# Canvas: scene coordinates -> supersampled pixels
# --------------------------------------------------------------------------


class Canvas:
    """A supersampled drawing surface with an optional scene transform.

    Scene code works in final-image pixels (1800x1200). ``offset`` and
    ``scale`` let a scene zoom in on a smaller group of figures.
    """

    def __init__(self, background: Color) -> None:
        size = (WIDTH * SUPERSAMPLE, HEIGHT * SUPERSAMPLE)
        self.image = Image.new("RGB", size, background)
        self.draw = ImageDraw.Draw(self.image, "RGBA")
        self.offset: Point = (0.0, 0.0)
        self.scale = 1.0

    # -- transform -------------------------------------------------------
    def set_view(self, offset: Point = (0.0, 0.0), scale: float = 1.0) -> None:
        self.offset = offset
        self.scale = scale

    def _p(self, p: Point) -> tuple[float, float]:
        x = (p[0] * self.scale + self.offset[0]) * SUPERSAMPLE
        y = (p[1] * self.scale + self.offset[1]) * SUPERSAMPLE
        return (x, y)

    def _r(self, r: float) -> float:
        return r * self.scale * SUPERSAMPLE

    # -- primitives --------------------------------------------------------
    def circle(self, c: Point, r: float, fill: Color) -> None:
        x, y = self._p(c)
        rr = self._r(r)
        self.draw.ellipse((x - rr, y - rr, x + rr, y + rr), fill=fill)

    def ring(self, c: Point, r: float, color: Color, width: float) -> None:
        x, y = self._p(c)
        rr = self._r(r)
        self.draw.ellipse(
            (x - rr, y - rr, x + rr, y + rr), outline=color, width=round(self._r(width))
        )

    def ellipse(self, c: Point, rx: float, ry: float, fill: Color) -> None:
        x, y = self._p(c)
        ax, ay = self._r(rx), self._r(ry)
        self.draw.ellipse((x - ax, y - ay, x + ax, y + ay), fill=fill)

    def polygon(self, points: list[Point], fill: Color) -> None:
        self.draw.polygon([self._p(p) for p in points], fill=fill)

    def rounded_rect(
        self, box: tuple[float, float, float, float], radius: float, fill: Color
    ) -> None:
        x0, y0 = self._p((box[0], box[1]))
        x1, y1 = self._p((box[2], box[3]))
        self.draw.rounded_rectangle((x0, y0, x1, y1), radius=self._r(radius), fill=fill)

    def chord(self, c: Point, r: float, start: float, end: float, fill: Color) -> None:
        x, y = self._p(c)
        rr = self._r(r)
        self.draw.chord((x - rr, y - rr, x + rr, y + rr), start, end, fill=fill)

    def capsule(self, a: Point, b: Point, ra: float, rb: float, fill: Color) -> None:
        """A tapered 'sausage' from a (radius ra) to b (radius rb)."""
        self.circle(a, ra, fill)
        self.circle(b, rb, fill)
        d = sub(b, a)
        dist = length(d)
        if dist <= abs(ra - rb) + 1e-6:
            return
        u = mul(d, 1.0 / dist)
        n = (-u[1], u[0])
        k = (ra - rb) / dist
        s = math.sqrt(max(0.0, 1.0 - k * k))
        m1 = add(mul(u, k), mul(n, s))
        m2 = add(mul(u, k), mul(n, -s))
        self.polygon(
            [
                add(a, mul(m1, ra)),
                add(b, mul(m1, rb)),
                add(b, mul(m2, rb)),
                add(a, mul(m2, ra)),
            ],
            fill,
        )

    def chain(
        self,
        points: list[Point],
        radii: list[float],
        fill: Color,
        outline: Color | None = None,
        outline_width: float = 4.0,
    ) -> None:
        """Consecutive capsules, e.g. hip-knee-ankle, with round joints.

        With ``outline`` a slightly wider darker copy is drawn first, which
        separates a limb from a body part of the same colour behind it.
        """
        if outline is not None:
            wider = [r + outline_width for r in radii]
            for i in range(len(points) - 1):
                self.capsule(points[i], points[i + 1], wider[i], wider[i + 1], outline)
        for i in range(len(points) - 1):
            self.capsule(points[i], points[i + 1], radii[i], radii[i + 1], fill)

    def stroke(self, points: list[Point], width: float, fill: Color) -> None:
        """A polyline of constant width with round caps and joints."""
        self.chain(points, [width / 2] * len(points), fill)

    def text_center(self, c: Point, text: str, size: float, fill: Color) -> None:
        font = ImageFont.load_default(size=round(self._r(size)))
        self.draw.text(self._p(c), text, font=font, fill=fill, anchor="mm")

    def to_image(self) -> Image.Image:
        return self.image.resize((WIDTH, HEIGHT), Image.Resampling.LANCZOS)


# --------------------------------------------------------------------------
# Heads and faces
# --------------------------------------------------------------------------


def draw_head(
    cv: Canvas,
    center: Point,
    r: float,
    face_deg: float,
    crown_deg: float,
    skin: Color,
    hair: Color,
    baby: bool,
) -> None:
    """A side-view head: ``face_deg`` is where the nose points,
    ``crown_deg`` where the top of the head points (90 degrees apart)."""
    face = unit(face_deg)
    crown = unit(crown_deg)
    back = mul(face, -1.0)
    chin = mul(crown, -1.0)

    if not baby:
        # a little extra volume of hair behind the head
        cv.circle(add(center, add(mul(back, 0.1 * r), mul(crown, 0.06 * r))), 1.05 * r, hair)

    cv.circle(center, r, skin)
    # nose
    nose_r = (0.10 if baby else 0.13) * r
    cv.circle(add(center, add(mul(face, 0.92 * r), mul(chin, 0.04 * r))), nose_r, skin)

    # hair cap, centred between the back and the crown of the head
    mid = angle_of(add(mul(back, 0.42), mul(crown, 0.58)))
    if baby:
        mid = angle_of(add(mul(back, 0.25), mul(crown, 0.75)))
        cv.chord(center, r * 1.0, mid - 48, mid + 48, hair)
        curl = add(center, add(mul(crown, 0.98 * r), mul(face, 0.12 * r)))
        cv.circle(curl, 0.13 * r, hair)
    else:
        cv.chord(center, r * 1.04, mid - 88, mid + 88, hair)

    # ear
    if baby:
        ear = add(center, add(mul(back, 0.16 * r), mul(chin, 0.04 * r)))
        cv.circle(ear, 0.16 * r, shade(skin, 0.95))
    else:
        ear = add(center, add(mul(back, 0.08 * r), mul(chin, 0.06 * r)))
        cv.circle(ear, 0.15 * r, shade(skin, 0.92))
        cv.circle(ear, 0.07 * r, shade(skin, 0.85))

    # eye, cheek and smile
    eye = add(center, add(mul(face, 0.52 * r), mul(crown, 0.10 * r)))
    cv.circle(eye, (0.085 if baby else 0.07) * r, EYE)
    cheek = add(center, add(mul(face, 0.50 * r), mul(chin, 0.26 * r)))
    cv.circle(cheek, 0.17 * r, CHEEK)
    smile = []
    for i in range(9):
        t = i / 8
        along = (0.50 + 0.30 * t) * r
        drop = (0.40 + 0.07 * math.sin(math.pi * t)) * r
        smile.append(add(center, add(mul(face, along), mul(chin, drop))))
    cv.stroke(smile, 0.05 * r, MOUTH)


# --------------------------------------------------------------------------
# Characters
# --------------------------------------------------------------------------

ADULT_HEAD_R = 60.0
BABY_HEAD_R = 60.0


@dataclass
class Limb:
    """A limb as joint points (e.g. hip, knee, ankle) plus a hand/foot tip."""

    joints: list[Point]
    tip: Point


@dataclass
class AdultPose:
    hip: Point
    shoulder: Point
    head: Point
    face_deg: float
    near_arm: Limb
    far_arm: Limb
    near_leg: Limb
    far_leg: Limb


@dataclass
class BabyPose:
    hip: Point
    shoulder: Point
    head: Point
    face_deg: float
    crown_deg: float
    near_arm: Limb
    far_arm: Limb
    near_leg: Limb
    far_leg: Limb
    sock_on_near_foot: bool = False


def adult_leg(cv: Canvas, leg: Limb, far: bool) -> None:
    cloth = PARENT_TROUSERS_FAR if far else PARENT_TROUSERS
    skin = PARENT_SKIN_FAR if far else PARENT_SKIN
    ankle = leg.joints[-1]
    cv.capsule(ankle, leg.tip, 25, 19, skin)
    cv.chain(leg.joints, [58, 44, 32], cloth)


def adult_arm(cv: Canvas, arm: Limb, far: bool) -> None:
    cloth = PARENT_TOP_FAR if far else PARENT_TOP
    skin = PARENT_SKIN_FAR if far else PARENT_SKIN
    wrist = arm.joints[-1]
    cv.capsule(wrist, arm.tip, 22, 19, skin)
    # the near arm gets a thin darker edge so it stands out against the torso
    edge = None if far else shade(PARENT_TOP, 0.78)
    cv.chain(arm.joints, [31, 26, 21], cloth, outline=edge)


def adult_body(cv: Canvas, pose: AdultPose) -> None:
    """Torso, neck and head (the parts between far and near limbs)."""
    neck_base = lerp(pose.shoulder, pose.head, 0.25)
    neck_top = lerp(pose.shoulder, pose.head, 0.75)
    cv.capsule(neck_base, neck_top, 22, 22, PARENT_SKIN)
    cv.capsule(pose.hip, pose.shoulder, 74, 62, PARENT_TOP)
    # waistband so the top and the trousers read as separate clothes
    cv.circle(pose.hip, 62, PARENT_TROUSERS)
    crown = pose.face_deg - 90
    draw_head(cv, pose.head, ADULT_HEAD_R, pose.face_deg, crown, PARENT_SKIN, PARENT_HAIR, False)


def adult_far_limbs(cv: Canvas, pose: AdultPose) -> None:
    adult_leg(cv, pose.far_leg, far=True)
    adult_arm(cv, pose.far_arm, far=True)


def baby_leg(cv: Canvas, leg: Limb, far: bool, sock: bool = False) -> None:
    cloth = BABY_ONESIE_FAR if far else BABY_ONESIE
    skin = BABY_SKIN_FAR if far else BABY_SKIN
    ankle = leg.joints[-1]
    cv.chain(leg.joints, [27, 22, 18], cloth)
    if sock:
        cv.capsule(ankle, leg.tip, 19, 16, TOY_RED)
        draw_sock_rattle(cv, add(lerp(ankle, leg.tip, 0.4), (-10, -18)))
    else:
        cv.capsule(ankle, leg.tip, 16, 14, skin)


def baby_arm(cv: Canvas, arm: Limb, far: bool) -> None:
    cloth = BABY_ONESIE_FAR if far else BABY_ONESIE
    skin = BABY_SKIN_FAR if far else BABY_SKIN
    # a thin darker edge keeps the near arm visible in front of the body
    edge = None if far else shade(BABY_ONESIE, 0.84)
    cv.chain(arm.joints, [19, 16, 14], cloth, outline=edge, outline_width=3)
    cv.capsule(arm.joints[-1], arm.tip, 15, 15, skin)


def baby_body(cv: Canvas, pose: BabyPose) -> None:
    cv.capsule(pose.hip, pose.shoulder, 52, 47, BABY_ONESIE)
    # soft nappy bulge
    cv.circle(pose.hip, 54, BABY_ONESIE)
    draw_head(cv, pose.head, BABY_HEAD_R, pose.face_deg, pose.crown_deg, BABY_SKIN, BABY_HAIR, True)


def baby_far_limbs(cv: Canvas, pose: BabyPose) -> None:
    baby_leg(cv, pose.far_leg, far=True)
    baby_arm(cv, pose.far_arm, far=True)


def baby_near_leg(cv: Canvas, pose: BabyPose) -> None:
    baby_leg(cv, pose.near_leg, far=False, sock=pose.sock_on_near_foot)


def baby_near_arm(cv: Canvas, pose: BabyPose) -> None:
    baby_arm(cv, pose.near_arm, far=False)


# --------------------------------------------------------------------------
# Props and cues
# --------------------------------------------------------------------------


def draw_sock_rattle(cv: Canvas, c: Point) -> None:
    """A bright little rattle sewn onto a sock: a yellow ball with a blue dot."""
    cv.circle(c, 24, TOY_YELLOW)
    cv.circle(add(c, (4, 3)), 10, TOY_BLUE)


def draw_rattle(cv: Canvas, c: Point, angle_deg: float = -60) -> None:
    """A classic baby rattle lying on the floor, ball end at ``c``."""
    handle_end = polar(c, angle_deg + 180, 95)
    cv.stroke([c, handle_end], 20, TOY_HANDLE)
    cv.circle(handle_end, 16, TOY_BLUE)
    cv.circle(c, 42, TOY_RED)
    cv.circle(add(c, (-12, -12)), 13, (245, 150, 136))
    cv.circle(add(c, (10, 8)), 8, TOY_YELLOW)


def draw_toy_stack(cv: Canvas, base: Point) -> None:
    """A small stacking toy (three rings on a post) standing on the floor."""
    x, y = base
    cv.rounded_rect((x - 60, y - 22, x + 60, y), 10, TOY_BLUE)
    cv.stroke([(x, y - 20), (x, y - 190)], 18, TOY_HANDLE)
    cv.ellipse((x, y - 50), 52, 28, TOY_RED)
    cv.ellipse((x, y - 102), 42, 24, TOY_YELLOW)
    cv.ellipse((x, y - 146), 32, 20, (120, 196, 150))
    cv.circle((x, y - 196), 18, TOY_RED)


def highlight(cv: Canvas, c: Point, r: float) -> None:
    """A soft ring that draws the eye to the key point of the step."""
    cv.circle(c, r, ACCENT + (20,))
    cv.ring(c, r, ACCENT + (235,), 7)


def curved_arrow(
    cv: Canvas, c: Point, r: float, start_deg: float, end_deg: float, width: float = 14
) -> None:
    """An arrow along a circular arc from start_deg to end_deg (either way)."""
    steps = 40
    pts = [polar(c, start_deg + (end_deg - start_deg) * i / steps, r) for i in range(steps + 1)]
    # stop the shaft short so the arrow head has a crisp tip
    head_len = width * 2.6
    arc_len = math.radians(abs(end_deg - start_deg)) * r
    keep = max(2, round(steps * (1 - head_len / arc_len)))
    cv.stroke(pts[: keep + 1], width, ACCENT)
    tip = pts[-1]
    direction = sub(pts[-1], pts[-3])
    ang = angle_of(direction)
    back = polar(tip, ang + 180, head_len)
    left = polar(back, ang + 90, width * 1.5)
    right = polar(back, ang - 90, width * 1.5)
    cv.polygon([tip, left, right], ACCENT)


def step_badge(cv: Canvas, number: int) -> None:
    """A round badge with the step number in the top-left corner."""
    saved = (cv.offset, cv.scale)
    cv.set_view()
    cv.circle((112, 112), 66, BADGE)
    cv.text_center((112, 116), str(number), 84, BADGE_TEXT)
    cv.set_view(*saved)


# --------------------------------------------------------------------------
# Settings (rooms, bed, mat)
# --------------------------------------------------------------------------


def room_background(cv: Canvas, floor_y: float) -> None:
    """Wall above, floor below ``floor_y`` (scene coordinates), edge to edge."""
    y = floor_y * cv.scale + cv.offset[1]
    saved = (cv.offset, cv.scale)
    cv.set_view()
    cv.polygon([(0, y), (WIDTH, y), (WIDTH, HEIGHT), (0, HEIGHT)], FLOOR)
    cv.polygon([(0, y - 4), (WIDTH, y - 4), (WIDTH, y + 6), (0, y + 6)], FLOOR_EDGE)
    cv.set_view(*saved)


def draw_bed(cv: Canvas) -> None:
    """A bed seen from the side, headboard on the left, foot end off-picture."""
    room_background(cv, 1180)
    cv.rounded_rect((170, 470, 260, 1200), 28, BED_WOOD)
    cv.rounded_rect((240, 1135, 1700, 1172), 10, BED_WOOD)
    cv.rounded_rect((240, 1085, 1700, 1148), 22, BED_SIDE)
    cv.rounded_rect((240, 850, 1700, 1104), 30, BED_SHEET)


def draw_floor_mat(cv: Canvas, x0: float, x1: float, top: float, bottom: float) -> None:
    """A padded play mat on the floor, seen slightly from above."""
    cv.rounded_rect((x0, bottom - 10, x1, bottom + 22), 12, MAT_SIDE)
    cv.rounded_rect((x0, top, x1, bottom + 6), 26, MAT)


def draw_back_cushion(cv: Canvas) -> None:
    cv.capsule((330, 885), (316, 640), 72, 58, CUSHION)


def draw_head_pillow(cv: Canvas, c: Point) -> None:
    cv.rounded_rect((c[0] - 88, c[1] - 22, c[0] + 88, c[1] + 28), 24, PILLOW_EDGE)
    cv.rounded_rect((c[0] - 85, c[1] - 26, c[0] + 85, c[1] + 20), 22, PILLOW)


def draw_towel_roll(cv: Canvas, c: Point, r: float) -> None:
    cv.circle(c, r, TOWEL)
    cv.ring(c, r * 0.66, TOWEL_STRIPE, 5)
    cv.ring(c, r * 0.33, TOWEL_STRIPE, 5)


# --------------------------------------------------------------------------
# "Back-lying position" (six steps)
# --------------------------------------------------------------------------

# Depth is faked by placing nearer things lower on the page: the parent's
# far leg rests higher up on the mattress, the near leg lower down, and the
# baby lies on the mattress between them.

BACK_LYING_VIEW = ((-21.0, -350.0), 1.3)


def seated_parent(step: int) -> AdultPose:
    hip = (480.0, 905.0)
    shoulder = (428.0, 585.0)
    head = (452.0, 470.0)
    far_leg = Limb([(495, 875), (740, 858), (990, 878)], (1012, 812))
    near_leg = Limb([(500, 950), (765, 1030), (1025, 1058)], (1052, 995))

    if step == 1:
        # hands resting on the thighs
        near_arm = Limb([(440, 620), (470, 790), (585, 915)], (630, 940))
        far_arm = Limb([(430, 610), (475, 780), (600, 860)], (645, 875))
    else:
        # near hand resting beside the hip, far arm hidden behind the body
        near_arm = Limb([(440, 620), (445, 795), (482, 925)], (498, 962))
        far_arm = Limb([(430, 610), (445, 790), (470, 900)], (480, 930))
    if step == 5:
        # the near hand lies across the front of the baby's thighs
        near_arm = Limb([(440, 620), (466, 795), (540, 848)], (600, 842))
    elif step == 6:
        # ... a little higher, at the knees, leaving room for the baby's hands
        near_arm = Limb([(440, 620), (460, 780), (532, 808)], (590, 800))
    face = 24.0 if step > 1 else 12.0
    return AdultPose(hip, shoulder, head, face, near_arm, far_arm, near_leg, far_leg)


def lying_baby(step: int) -> BabyPose:
    hip = (606.0, 915.0)
    shoulder = (752.0, 918.0)
    head = (822.0, 905.0)
    face, crown = -90.0, 0.0
    if step >= 3:
        # a small pillow lifts the head and tucks the chin
        head = (828.0, 880.0)
        face, crown = -118.0, -28.0

    if step >= 4:
        # hips bent, knees straight, legs together along the parent's body
        near_leg = Limb([(600, 895), (578, 818), (555, 745)], (588, 730))
        far_leg = Limb([(612, 888), (590, 811), (567, 738)], (600, 723))
    else:
        # relaxed, bent legs with the feet against the parent's tummy
        near_leg = Limb([(602, 900), (640, 828), (572, 800)], (556, 766))
        far_leg = Limb([(612, 890), (655, 818), (586, 790)], (570, 756))

    if step >= 6:
        # arms brought down, hands together on the thighs
        near_arm = Limb([(738, 898), (698, 876), (650, 868)], (622, 866))
        far_arm = Limb([(746, 888), (708, 864), (660, 858)], (632, 856))
    else:
        # arms up beside the head
        near_arm = Limb([(735, 900), (766, 850), (795, 800)], (806, 778))
        far_arm = Limb([(745, 890), (780, 842), (812, 795)], (824, 774))
    return BabyPose(hip, shoulder, head, face, crown, near_arm, far_arm, near_leg, far_leg)


def back_lying_scene(step: int, hero: bool = False) -> Image.Image:
    """Step ``step``'s picture; ``hero``: the same scene without its number and ring (issue 23)."""
    cv = Canvas(WALL)
    cv.set_view(*BACK_LYING_VIEW)
    draw_bed(cv)
    draw_back_cushion(cv)
    parent = seated_parent(step)

    if step == 1:
        adult_far_limbs(cv, parent)
        adult_body(cv, parent)
        adult_leg(cv, parent.near_leg, far=False)
        adult_arm(cv, parent.near_arm, far=False)
        highlight(cv, (345, 765), 150)
        step_badge(cv, step)
        return cv.to_image()

    baby = lying_baby(step)
    adult_far_limbs(cv, parent)
    adult_body(cv, parent)
    if step >= 3:
        draw_head_pillow(cv, (838, 948))
    baby_far_limbs(cv, baby)
    baby_body(cv, baby)
    adult_leg(cv, parent.near_leg, far=False)
    baby_near_leg(cv, baby)
    baby_near_arm(cv, baby)
    adult_arm(cv, parent.near_arm, far=False)

    if hero:
        return cv.to_image()
    if step == 2:
        highlight(cv, (562, 890), 72)
    elif step == 3:
        highlight(cv, (836, 915), 125)
    elif step == 4:
        highlight(cv, (572, 815), 105)
    elif step == 5:
        highlight(cv, (580, 842), 72)
    elif step == 6:
        highlight(cv, (632, 866), 62)
    step_badge(cv, step)
    return cv.to_image()


# --------------------------------------------------------------------------
# "Hand-to-foot play" (three steps)
# --------------------------------------------------------------------------

HAND_TO_FOOT_VIEW = ((-40.0, -330.0), 1.3)


def kneeling_parent(step: int) -> AdultPose:
    if step == 2:
        # up on the knees, leaning forward to hold the baby's feet
        hip = (470.0, 850.0)
        shoulder = (640.0, 600.0)
        head = (718.0, 520.0)
        face = 42.0
        near_arm = Limb([(650, 630), (755, 765), (876, 780)], (906, 770))
        far_arm = Limb([(640, 620), (750, 748), (884, 764)], (914, 754))
        near_leg = Limb([(480, 880), (690, 968), (448, 980)], (388, 984))
        far_leg = Limb([(470, 860), (676, 950), (436, 962)], (376, 966))
    else:
        # sitting back on the heels, hands resting on the thighs
        hip = (430.0, 880.0)
        shoulder = (505.0, 590.0)
        head = (550.0, 486.0)
        face = 30.0 if step == 1 else 36.0
        near_arm = Limb([(512, 622), (548, 790), (620, 885)], (660, 903))
        far_arm = Limb([(502, 612), (532, 780), (598, 872)], (638, 890))
        near_leg = Limb([(440, 905), (678, 965), (440, 980)], (378, 984))
        far_leg = Limb([(430, 885), (664, 948), (430, 962)], (368, 966))
    return AdultPose(hip, shoulder, head, face, near_arm, far_arm, near_leg, far_leg)


def baby_on_back_feet_left(step: int) -> BabyPose:
    hip = (850.0, 950.0)
    shoulder = (998.0, 954.0)
    head = (1070.0, 944.0)
    face, crown = -98.0, -8.0
    if step == 1:
        near_leg = Limb([(850, 935), (800, 870), (740, 920)], (712, 900))
        far_leg = Limb([(860, 925), (818, 858), (756, 902)], (728, 884))
        near_arm = Limb([(985, 935), (960, 880), (930, 860)], (915, 845))
        far_arm = Limb([(995, 925), (978, 870), (950, 850)], (936, 836))
    elif step == 2:
        # legs lifted by the parent, feet moving toward the hands
        near_leg = Limb([(850, 930), (862, 848), (895, 792)], (910, 760))
        far_leg = Limb([(860, 920), (874, 838), (907, 782)], (922, 750))
        near_arm = Limb([(985, 930), (985, 862), (970, 808)], (962, 786))
        far_arm = Limb([(995, 920), (998, 852), (984, 798)], (978, 776))
    else:
        # baby holds its own feet
        near_leg = Limb([(850, 930), (872, 850), (930, 810)], (962, 786))
        far_leg = Limb([(860, 920), (885, 840), (942, 800)], (974, 776))
        near_arm = Limb([(985, 930), (980, 868), (955, 818)], (946, 800))
        far_arm = Limb([(995, 920), (994, 858), (970, 808)], (962, 790))
    return BabyPose(
        hip, shoulder, head, face, crown, near_arm, far_arm, near_leg, far_leg,
        sock_on_near_foot=(step == 3),
    )


def hand_to_foot_scene(step: int, hero: bool = False) -> Image.Image:
    cv = Canvas(WALL)
    cv.set_view(*HAND_TO_FOOT_VIEW)
    room_background(cv, 840)
    draw_floor_mat(cv, 660, 1300, 900, 1030)
    parent = kneeling_parent(step)
    baby = baby_on_back_feet_left(step)

    adult_far_limbs(cv, parent)
    adult_body(cv, parent)
    adult_leg(cv, parent.near_leg, far=False)
    baby_far_limbs(cv, baby)
    baby_body(cv, baby)
    baby_near_leg(cv, baby)
    baby_near_arm(cv, baby)
    adult_arm(cv, parent.near_arm, far=False)

    if hero:
        return cv.to_image()
    if step == 2:
        curved_arrow(cv, (850, 950), 250, -88, -50)
    elif step == 3:
        highlight(cv, (954, 795), 72)
    step_badge(cv, step)
    return cv.to_image()


# --------------------------------------------------------------------------
# "Tummy time" (three steps)
# --------------------------------------------------------------------------


def tummy_on_chest_scene() -> Image.Image:
    cv = Canvas(WALL)
    cv.set_view((-150.0, -330.0), 1.3)
    room_background(cv, 860)
    draw_floor_mat(cv, 220, 1480, 930, 1050)
    # a big wedge cushion supports the parent's back
    cv.polygon([(250, 1012), (250, 700), (300, 662), (768, 1012)], CUSHION)

    hip = (800.0, 955.0)
    shoulder = (535.0, 760.0)
    along = unit(angle_of(sub(shoulder, hip)))  # from hip toward the head
    normal = (-along[1], along[0])  # away from the chest, up and to the right
    if normal[1] > 0:
        normal = mul(normal, -1.0)

    def on_chest(t: float, lift: float) -> Point:
        """A point above the parent's chest: t=0 at the hip, 1 at the shoulder."""
        return add(lerp(hip, shoulder, t), mul(normal, lift))

    parent = AdultPose(
        hip, shoulder, (462.0, 672.0), -26.0,
        near_arm=Limb([(548, 782), on_chest(0.36, 30), on_chest(0.46, 150)], on_chest(0.42, 176)),
        far_arm=Limb([(540, 770), on_chest(0.40, 26), on_chest(0.50, 146)], on_chest(0.46, 172)),
        near_leg=Limb([(805, 975), (1030, 800), (1110, 1000)], (1180, 1010)),
        far_leg=Limb([(795, 950), (1012, 780), (1090, 980)], (1160, 990)),
    )
    b_hip = on_chest(0.24, 116)
    b_shoulder = on_chest(0.70, 108)
    b_head = add(on_chest(0.84, 150), mul(along, 20))
    baby = BabyPose(
        b_hip, b_shoulder, b_head, 196.0, -74.0,
        near_arm=Limb([on_chest(0.70, 100), on_chest(0.66, 86), on_chest(0.80, 86)], on_chest(0.87, 88)),
        far_arm=Limb([on_chest(0.72, 104), on_chest(0.69, 90), on_chest(0.83, 90)], on_chest(0.90, 92)),
        near_leg=Limb([on_chest(0.22, 100), on_chest(-0.02, 92), (902, 836)], (930, 818)),
        far_leg=Limb([on_chest(0.24, 106), on_chest(0.01, 98), (912, 826)], (940, 808)),
    )

    adult_leg(cv, parent.far_leg, far=True)
    adult_arm(cv, parent.far_arm, far=True)
    adult_body(cv, parent)
    adult_leg(cv, parent.near_leg, far=False)
    baby_far_limbs(cv, baby)
    baby_body(cv, baby)
    baby_near_leg(cv, baby)
    baby_near_arm(cv, baby)
    adult_arm(cv, parent.near_arm, far=False)
    step_badge(cv, 1)
    return cv.to_image()


def tummy_towel_scene() -> Image.Image:
    cv = Canvas(WALL)
    cv.set_view((-563.0, -1050.0), 1.9)
    room_background(cv, 815)
    draw_floor_mat(cv, 300, 1300, 880, 1000)
    roll_c = (742.0, 954.0)
    draw_towel_roll(cv, roll_c, 44)

    baby = BabyPose(
        (590.0, 945.0), (770.0, 900.0), (850.0, 846.0), -14.0, -104.0,
        near_arm=Limb([(788, 912), (850, 980), (925, 986)], (952, 984)),
        far_arm=Limb([(780, 902), (842, 968), (915, 974)], (942, 972)),
        near_leg=Limb([(585, 962), (500, 980), (420, 978)], (398, 952)),
        far_leg=Limb([(592, 950), (510, 966), (432, 964)], (412, 938)),
    )
    baby_far_limbs(cv, baby)
    baby_body(cv, baby)
    baby_near_leg(cv, baby)
    baby_near_arm(cv, baby)
    draw_rattle(cv, (1110, 950), -150)
    highlight(cv, roll_c, 76)
    step_badge(cv, 2)
    return cv.to_image()


def face_to_face_scene(hero: bool = False) -> Image.Image:
    cv = Canvas(WALL)
    cv.set_view((-40.0, -190.0), 1.05)
    room_background(cv, 820)
    draw_floor_mat(cv, 60, 1760, 890, 1040)

    # parent lying on the tummy, propped on the elbows, facing right
    parent = AdultPose(
        hip=(560.0, 925.0),
        shoulder=(860.0, 855.0),
        head=(965.0, 790.0),
        face_deg=8.0,
        near_arm=Limb([(860, 880), (880, 990), (1000, 995)], (1040, 990)),
        far_arm=Limb([(850, 860), (866, 970), (985, 972)], (1025, 968)),
        near_leg=Limb([(560, 950), (330, 990), (120, 995)], (92, 960)),
        far_leg=Limb([(550, 930), (320, 965), (250, 820)], (212, 790)),
    )
    # baby on the tummy, head up, facing left toward the parent
    b_hip = (1560.0, 965.0)
    b_shoulder = (1420.0, 948.0)
    baby = BabyPose(
        b_hip, b_shoulder, (1350.0, 885.0), 190.0, -80.0,
        near_arm=Limb([(1415, 960), (1410, 1000), (1350, 1005)], (1325, 1000)),
        far_arm=Limb([(1425, 950), (1420, 990), (1362, 992)], (1338, 988)),
        near_leg=Limb([(1570, 980), (1650, 995), (1710, 985)], (1730, 960)),
        far_leg=Limb([(1565, 965), (1640, 975), (1700, 960)], (1718, 935)),
    )
    adult_far_limbs(cv, parent)
    adult_body(cv, parent)
    adult_leg(cv, parent.near_leg, far=False)
    adult_arm(cv, parent.near_arm, far=False)
    baby_far_limbs(cv, baby)
    baby_body(cv, baby)
    baby_near_leg(cv, baby)
    baby_near_arm(cv, baby)
    draw_toy_stack(cv, (1170, 995))
    if not hero:
        step_badge(cv, 3)
    return cv.to_image()


# --------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------

SceneFn = Callable[[], Image.Image]


def _step(scene: Callable[[int], Image.Image], n: int) -> SceneFn:
    return lambda: scene(n)


SCENES: dict[str, SceneFn] = {
    **{f"back-lying-position/images/step-{n}.jpg": _step(back_lying_scene, n) for n in range(1, 7)},
    **{f"hand-to-foot-play/images/step-{n}.jpg": _step(hand_to_foot_scene, n) for n in range(1, 4)},
    "tummy-time/images/step-1.jpg": tummy_on_chest_scene,
    "tummy-time/images/step-2.jpg": tummy_towel_scene,
    "tummy-time/images/step-3.jpg": face_to_face_scene,
    # Heroes (issue 23): the exercise as a whole, without a step's number or ring, so the post's first
    # picture and its card do not read as "step 1" shown twice.
    "back-lying-position/images/hero.jpg": lambda: back_lying_scene(6, hero=True),
    "hand-to-foot-play/images/hero.jpg": lambda: hand_to_foot_scene(3, hero=True),
    "tummy-time/images/hero.jpg": lambda: face_to_face_scene(hero=True),
}

# One honest sentence per picture, describing what the drawing shows.
ALT_TEXTS: dict[str, str] = {
    "back-lying-position/images/step-1.jpg": (
        "Illustration: a parent sits on a bed with their back against the headboard, "
        "supported by a cushion, legs stretched out; a red circle marks the cushion "
        "behind their back."
    ),
    "back-lying-position/images/step-2.jpg": (
        "Illustration: a baby in a yellow onesie lies on its back on the bed between "
        "the seated parent's legs, head toward the parent's feet and bottom against "
        "the parent's belly; a red circle marks where they touch."
    ),
    "back-lying-position/images/step-3.jpg": (
        "Illustration: the same position with a small white pillow under the baby's "
        "head, so the baby's chin is tucked and it looks toward the parent; a red "
        "circle marks the pillow."
    ),
    "back-lying-position/images/step-4.jpg": (
        "Illustration: the baby's legs are raised together against the parent's belly "
        "and chest, hips bent and knees straight; a red circle marks the legs."
    ),
    "back-lying-position/images/step-5.jpg": (
        "Illustration: the parent's hand lies across the front of the baby's raised "
        "thighs to keep the knees straight; a red circle marks the hand."
    ),
    "back-lying-position/images/step-6.jpg": (
        "Illustration: the baby's arms are brought down so both hands meet on the front "
        "of its raised thighs, while the parent's hand holds the legs at the knees; "
        "a red circle marks the baby's hands."
    ),
    "hand-to-foot-play/images/step-1.jpg": (
        "Illustration: a baby lies on its back on a play mat with its knees bent, and "
        "a parent kneels on the floor at the baby's feet."
    ),
    "hand-to-foot-play/images/step-2.jpg": (
        "Illustration: the kneeling parent leans forward and holds the baby's feet up "
        "near the baby's raised hands; a red arrow shows the feet moving toward the "
        "hands."
    ),
    "hand-to-foot-play/images/step-3.jpg": (
        "Illustration: the baby lies on its back holding its own feet, one foot in a "
        "red sock with a yellow rattle, while the parent kneels and watches; a red "
        "circle marks the hands and feet."
    ),
    "tummy-time/images/step-1.jpg": (
        "Illustration: a parent reclines against a wedge cushion with knees bent, and "
        "a baby lies on its tummy on the parent's chest, propped on its forearms and "
        "looking at the parent's face, with the parent's hand on its back."
    ),
    "tummy-time/images/step-2.jpg": (
        "Illustration: a baby lies on its tummy on a play mat with a rolled towel under "
        "its chest, arms stretched forward and head raised toward a rattle; a red "
        "circle marks the towel roll."
    ),
    "tummy-time/images/step-3.jpg": (
        "Illustration: a parent lies on their tummy on a play mat, propped on their "
        "elbows, face to face with a baby on its tummy, with a stacking toy between them."
    ),
}


ALT_TEXTS |= {
    "back-lying-position/images/hero.jpg": (
        "Illustration: a parent sits on a bed against the headboard with a baby lying on its back "
        "between their legs, the baby's legs raised straight against the parent's chest and its "
        "hands together on its thighs."
    ),
    "hand-to-foot-play/images/hero.jpg": (
        "Illustration: a baby lies on its back on a play mat holding its own feet, one foot in a "
        "red sock with a yellow rattle, while a parent kneels beside it and watches."
    ),
    "tummy-time/images/hero.jpg": (
        "Illustration: a parent and a baby lie on their tummies on a play mat, face to face, "
        "with a stacking toy between them."
    ),
}


def save_jpeg(image: Image.Image, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, "JPEG", quality=JPEG_QUALITY, subsampling=2, optimize=True)


def main(only: str = "") -> None:
    """Every picture, or those whose path holds ``only`` (``python scripts/draw_illustrations.py hero``)."""
    for rel_path, scene in SCENES.items():
        if only not in rel_path:
            continue
        out = POSTS_DIR / rel_path
        save_jpeg(scene(), out)
        print(f"wrote {out.relative_to(REPO_ROOT)} ({out.stat().st_size // 1024} KB)")
    print("\nAlt texts:")
    for rel_path, alt in ALT_TEXTS.items():
        print(f"  content/posts/{rel_path}:\n    {alt}")


if __name__ == "__main__":
    import sys

    main(sys.argv[1] if len(sys.argv) > 1 else "")
