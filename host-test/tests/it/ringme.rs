//! ringme through the component.
