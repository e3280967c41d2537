/** The in-memory projection lives in src/ (audit replay uses it); the specs import it from here. */
export { ArrayCursor, InMemoryProjection } from '../../src/domain/projections/in-memory-projection';
