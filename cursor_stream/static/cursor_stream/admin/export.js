// The export page's "All" checkbox: ticks or clears every column, and shows whether all, some
// (indeterminate) or none are ticked. Without JavaScript it stays hidden; the columns still work.
// "Run in the background" follows the chosen format (ticked for the formats in its
// data-formats) until the user ticks or clears it.
"use strict";
{
    function followFormat() {
        const background = document.getElementById("cursor-stream-background");
        const form = document.getElementById("cursor-stream-export-form");
        if (!background || !form) {
            return;
        }
        const formats = (background.dataset.formats || "").split(" ");
        const byEstimate = background.dataset.byEstimate === "1";
        let touched = false;
        background.addEventListener("change", () => { touched = true; });
        form.querySelectorAll("input[name=format]").forEach((radio) => {
            radio.addEventListener("change", () => {
                if (!touched && radio.checked) {
                    background.checked = byEstimate || formats.includes(radio.value);
                }
            });
        });
    }
    function setUp() {
        followFormat();
        const toggle = document.getElementById("cursor-stream-all-columns");
        const list = document.getElementById("cursor-stream-column-list");
        if (!toggle || !list) {
            return;
        }
        const boxes = Array.from(list.querySelectorAll("input[type=checkbox]"));
        function reflect() {
            const ticked = boxes.filter((box) => box.checked).length;
            toggle.checked = ticked === boxes.length;
            toggle.indeterminate = ticked > 0 && ticked < boxes.length;
        }
        toggle.addEventListener("change", () => {
            boxes.forEach((box) => { box.checked = toggle.checked; });
            reflect();
        });
        list.addEventListener("change", reflect);
        toggle.closest("label").hidden = false;
        reflect();
    }
    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", setUp);
    } else {
        setUp();
    }
}
