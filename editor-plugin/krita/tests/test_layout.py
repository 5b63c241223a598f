import random
import unittest
from types import SimpleNamespace

from atelier import layout
from atelier.layout import Bounds, Extend


def result_layer(x, y, width, height, seed, name=None):
    return SimpleNamespace(x=x, y=y, seed=seed, name=name,
                           pixels=SimpleNamespace(width=width, height=height, data=b"\x00" * (width * height * 4)))


class RegionTest(unittest.TestCase):
    def test_a_small_layer_is_sent_whole(self):
        canvas = Bounds(0, 0, 640, 420)
        self.assertEqual(canvas, layout.region_to_send(canvas, Bounds(300, 200, 20, 20)))

    def test_a_large_layer_is_sent_as_the_selection_plus_context(self):
        canvas = Bounds(0, 0, 4000, 3000)
        region = layout.region_to_send(canvas, Bounds(1000, 1000, 200, 100))
        self.assertEqual(Bounds(800, 800, 600, 500), region)

    def test_context_stays_inside_the_canvas(self):
        canvas = Bounds(0, 0, 4000, 3000)
        region = layout.region_to_send(canvas, Bounds(3950, 10, 50, 50))
        self.assertEqual(Bounds(3822, 0, 178, 188), region)

    def test_no_selection_sends_the_whole_layer(self):
        canvas = Bounds(0, 0, 4000, 3000)
        self.assertEqual(canvas, layout.region_to_send(canvas, None))


class PlacementTest(unittest.TestCase):
    def test_results_land_at_the_region_origin_plus_their_offset(self):
        plans = layout.plan_layers(layout.FILL, [result_layer(15, 10, 8, 6, 1234)], region_origin=(800, 700))
        self.assertEqual(1, len(plans))
        self.assertEqual(("Atelier fill · seed 1234", 815, 710, 8, 6), plans[0][:5])
        self.assertTrue(plans[0].visible)

    def test_only_the_first_variant_is_visible(self):
        plans = layout.plan_layers(layout.INPAINT, [result_layer(0, 0, 1, 1, s) for s in (7, 8, 9)])
        self.assertEqual([True, False, False], [p.visible for p in plans])
        self.assertEqual(["Atelier inpaint · seed 7", "Atelier inpaint · seed 8", "Atelier inpaint · seed 9"],
                         [p.name for p in plans])
        self.assertEqual("Atelier inpaint · 3 variants", layout.group_name(layout.INPAINT, 3))

    def test_a_daemon_named_layer_keeps_its_name(self):
        self.assertEqual("Atelier colorize · seed 5 · #c83c28", layout.layer_name(layout.COLORIZE, 5, "#c83c28"))


class ExpandTest(unittest.TestCase):
    def test_growing_left_and_top_moves_the_origin(self):
        extend = Extend.on_sides(100, {"left", "top"})
        self.assertEqual(Extend(100, 0, 100, 0), extend)
        self.assertEqual(Bounds(-100, -100, 740, 520), extend.grown(640, 420))

    def test_no_side_is_empty(self):
        self.assertTrue(Extend.on_sides(100, set()).is_empty())
        self.assertTrue(Extend.on_sides(0, {"left"}).is_empty())


class SeedTest(unittest.TestCase):
    def test_dice_rolls_positive_seeds(self):
        rng = random.Random(3)
        seeds = {layout.random_seed(rng) for _ in range(50)}
        self.assertEqual(50, len(seeds))
        self.assertTrue(all(0 < s < 2 ** 31 for s in seeds))


if __name__ == "__main__":
    unittest.main()
