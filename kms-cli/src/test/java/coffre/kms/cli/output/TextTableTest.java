package coffre.kms.cli.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class TextTableTest {

    @Test
    void columnsAreAsWideAsTheirWidestCellWithoutTrailingSpaces() {
        String table = new TextTable("A", "LONG HEADER", "C")
                .row("wide cell", "x", "")
                .row("", "", "last")
                .render();

        assertEquals("""
                A          LONG HEADER  C
                wide cell  x
                                        last
                """, table);
    }

    @Test
    void controlCharactersCannotBreakARow() {
        assertEquals("H\na b\n", new TextTable("H").row("a\nb").render());
    }

    @Test
    void aRowMustHaveOneCellPerColumn() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new TextTable("A", "B").row("1"));
        assertEquals("row has 1 cells, table has 2 columns", e.getMessage());
    }
}
